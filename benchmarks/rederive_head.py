"""Re-derive the head of the shipped base from scratch: `medvlm pretrain --preset base` stopped after N warm-up steps
(into /tmp/rd), its vision stage and its loss log up to the last checkpoint before the stop compared exactly with
models/tiny-base/pretrain.json. A cheap check that this machine repeats the shipped run, short of a full retrain.

    .venv/bin/python benchmarks/rederive_head.py 1500
"""
import json, sys, shutil
from pathlib import Path
from medvlm.base.pretrain import pretrain
from medvlm.model.train import Callback

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
class Stop(Callback):
    def after_step(self, model, step, history):
        if step >= N: raise KeyboardInterrupt
out = Path('/tmp/rd/base'); shutil.rmtree(out.parent, ignore_errors=True)
try: pretrain(out, 'data/synthetic/generic', 'base', 0, callbacks=[Stop()])
except KeyboardInterrupt: pass
ckpt = sorted((out.parent/'base.work/warm/checkpoints').glob('step-*'), key=lambda p: int(p.name.split('-')[1]))[-1]
mine = json.load(open(ckpt/'loop.json'))['history']
shipped_run = json.load(open('models/tiny-base/pretrain.json'))
shipped = [h for h in shipped_run['history'] if h['stage'] == 'warm']
pairs = [(a['step'], a['loss'], b['loss']) for a, b in zip(mine, shipped)]
print(ckpt.name, 'compared', len(pairs), 'log points; identical:', all(x == y for _, x, y in pairs))
for p in pairs[::5]: print(p)
vision_now = json.load(open(out.parent/'base.work/stage1/vision.json'))
print('vision stage identical:', vision_now == shipped_run['vision'])
