"""Issue 17: does a shorter warm-up form the option lookup under pinned sums? `medvlm pretrain`'s base recipe with a
warm-up of WARM steps and a hold of at most HOLD steps (the rest as the preset has it), run under the AVX2-held numeric
path that repeated its figures on two kinds of AMD EPYC (`benchmarks/numerics.py`), and stopped where the every-task
stage begins. Prints the lookup over the hold's check words (`lookup_checks(check_words())`, 50 items per option
count 2-5) every EVERY warm-up steps and at every hold check, then one JSON line, also written to OUT/warmup.json.

    ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=2 \\
        .venv/bin/python benchmarks/pinned_warmup.py WARM HOLD EVERY OUT WORLD

OUT is a fresh folder (the run's work folder is OUT/base.work); WORLD the generic world. Under the pinned path the run
is meant to repeat its sums on another machine of these kinds, so a warm-up that forms the lookup early is one a next
recipe can keep (a digest of its trainable weights at the hold's end is printed to check that: the frozen vision
tower is left out, so it is not `numerics.py`'s digest of every weight). The shipped recipe: WARM 10,000, HOLD 9,000 (its
lookup passed the hold's 0.90 at step 13,500, on another path).

2026-12-07 (twenty-third session; AMD EPYC, AVX2 only, two threads, alone): WARM 5000 HOLD 4000 EVERY 1000, 2,830 s in
all (vision stage and tokenizer included). Lookup over the check words (2/3/4/5 options):

    warm-up  1,000 0.335 (0.50/0.38/0.26/0.20)   2,000 0.320   3,000 0.330   4,000 0.370
             5,000 0.575 (0.94/0.56/0.48/0.32)
    hold     5,500 0.620   6,000 0.600   6,500 0.605   7,000 0.625   7,500 0.745   8,000 0.850
             8,500 0.895   9,000 0.915 (0.98/0.96/0.88/0.84; the hold's bar, 0.90, met at its cap)
    digest of the trainable weights at step 9,000: 363cca8a3f78e216
"""
import hashlib, json, os, sys, time
from dataclasses import replace
from pathlib import Path

import torch
from transformers import AutoProcessor

from medvlm.base.pretrain import PRETRAIN_PRESETS, get_pretrain_preset, pretrain, LookupGate, lookup_checks, check_words
from medvlm.model.train import Callback, latest_checkpoint

PINNED = {'ATEN_CPU_CAPABILITY': 'avx2', 'MKL_CBWR': 'AVX2', 'ONEDNN_MAX_CPU_ISA': 'AVX2'}


class WarmChecks(Callback):
    "The hold's lookup check every `every` warm-up steps; ends the run as the every-task stage starts (its third stage)."
    def __init__(self, every:int, work:Path, preset):
        self.every, self.work, self.preset, self.starts, self.gate = every, work, preset, 0, None
    @property
    def points(self) -> list: return self.gate.points if self.gate else []
    def before_forward(self, model, step):
        if step: return
        self.starts += 1
        if self.starts == 3: raise KeyboardInterrupt            # warm-up, hold, then the every-task stage
    def after_step(self, model, step, history):
        if self.starts != 1 or step % self.every: return
        if self.gate is None:                                   # the processor exists once the vision stage has saved it
            processor = AutoProcessor.from_pretrained(self.work/'stage1')
            self.gate = LookupGate(1, 2.0, lookup_checks(check_words(), self.preset.hold_items), processor)
        self.gate.after_step(model, step, history)
        print('warm-up', self.gate.points[-1], f"loss {history[-1]['loss']:.4f}" if history else '', flush=True)


def main():
    if len(sys.argv) != 6: sys.exit(__doc__)
    unpinned = [f'{k}={v}' for k, v in PINNED.items() if os.environ.get(k) != v]
    if unpinned: sys.exit(f"set {' '.join(unpinned)} before running (torch, MKL and oneDNN read them when they load)")
    warm, hold, every, out, world = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
    preset = replace(get_pretrain_preset('base'), name='pinned-warmup', warm_steps=warm, hold_steps=hold)
    PRETRAIN_PRESETS[preset.name] = preset
    work = out/'base.work'
    checks = WarmChecks(every, work, preset)
    started = time.perf_counter()
    try: pretrain(out/'base', world, preset.name, progress=False, callbacks=[checks])
    except KeyboardInterrupt: pass
    seconds = time.perf_counter() - started
    hold_end = latest_checkpoint(work/'hold')
    saved = torch.load(hold_end/'state.pt', map_location='cpu', weights_only=True)
    hold_points = saved['callbacks'][1]['points']                # the hold's callbacks: the curve, its gate, these checks
    for point in hold_points: print('hold', point)
    digest = hashlib.sha256(b''.join(t.numpy().tobytes() for t in saved['trainable'].values())).hexdigest()[:16]
    result = {'warm_steps': warm, 'hold_cap': hold, 'hold_steps': json.loads((hold_end/'loop.json').read_text())['step'],
              'warm_checks': checks.points, 'hold_checks': hold_points, 'seconds': round(seconds, 1), 'digest': digest,
              'capability': torch.backends.cpu.get_cpu_capability(), 'pinned': PINNED}
    (out/'warmup.json').write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
