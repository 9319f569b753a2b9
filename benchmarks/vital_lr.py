"""Issue 19.6: why do the tuned BioMed-VITAL arms score 0 open recall? Reruns the default study (seed 0) with the
tuning learning rate and adapter given, on the arms given, into runs/vital_lr/<lr>-<adapter>/, and prints each arm's
VQA figures and three closed answers — to tell a decoding/format failure from a model destroyed by tuning.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/vital_lr.py --lr 3e-4 --adapter full --arms all selected-w400
"""
import argparse, json
from dataclasses import replace
from medvlm.core.settings import read_settings
from medvlm.vital.study import get_vital_preset, run_vital, VITAL_SETS

parser = argparse.ArgumentParser()
parser.add_argument('--lr', type=float, nargs='+', default=[3e-4])
parser.add_argument('--adapter', default='full')
parser.add_argument('--arms', nargs='+', default=['all', 'selected-w400'])
args = parser.parse_args()
settings = read_settings()
default = get_vital_preset('default')
for lr in args.lr:
    preset = replace(default, name=f'lr{lr:g}', tune=replace(default.tune, lr=lr, adapter=args.adapter))
    out = settings.runs_dir/'vital_lr'/f'{lr:g}-{args.adapter}'
    run_vital(out, preset, {name: settings.data_root(name) for name in VITAL_SETS}, settings.model, seed=0, arms=args.arms, progress=False)
    for arm in args.arms:
        m = json.loads((out/'arms'/arm/'metrics.json').read_text())
        figures = [f"{name} open {v['llava-med']['open_recall']:.3f} closed {v['llava-med']['closed_accuracy']:.3f}" for name, v in m['vqa'].items()]
        print(f"lr {lr:g} {args.adapter} {arm}: " + '; '.join(figures), flush=True)
        rows = [json.loads(l) for l in open(out/'arms'/arm/'vqa'/'vqa-rad'/'predictions.jsonl')]
        print('   closed answers:', [r['prediction'][:40] for r in rows if r['answer_type'] == 'CLOSED'][:3], '| open:', [r['prediction'][:40] for r in rows if r['answer_type'] == 'OPEN'][:2], flush=True)
