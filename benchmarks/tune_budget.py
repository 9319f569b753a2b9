"""Issue 19.4: size the instruction-free tuning budget from learning curves. Runs `methods` on `benchmarks` (seed 0, the
shipped base, the default mini-world) with the default preset's settings but `epochs` main-stage epochs, and prints the
validation-accuracy curve (letter likelihood, step 0 = before tuning) of each run beside the final test accuracy.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/tune_budget.py --epochs 2 8 --benchmarks wbcatt cbis --methods empty proxy-rs

Runs go to runs/tune_budget/<epochs>/... (resumable; rerun to print again).

Measured 2026-12-05 after the bitsandbytes fix in 31_loading (before it, QLoRA training after the step-0 curve passed no
gradient below the 4-bit layers and every curve was flat), with the old default (no repeat for WBCAtt and MIMIC-CXR):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/tune_budget.py --epochs 2 6 --benchmarks wbcatt mimic-cxr skincon cbis --methods empty proxy-rs

    benchmark  method    main steps  validation curve (step:accuracy, n 100)               test (2 → 6 epochs)
    wbcatt     empty     8 → 24      0:.37 … 8:.40      | 0:.37 10:.41 14:.45 24:.44         .37 → .44
    wbcatt     proxy-rs  8 → 24      0:.37 … 8:.36      | 0:.37 14:.44 19:.41 24:.50         .42 → .50
    mimic-cxr  empty     8 → 24      0:.20 … 8:.19      | 0:.20 14:.24 19:.27 24:.27         .23 → .16
    mimic-cxr  proxy-rs  8 → 24      0:.20 … 8:.27      | 0:.20 10:.25 24:.23                .21 → .19
    skincon    empty     24 → 72     0:.19 10:.24 24:.21 | 29:.22 72:.22                      .21 → .22
    skincon    proxy-rs  24 → 72     0:.19 10:.24 24:.20 | 14:.24 72:.22                      .20 → .20
    cbis       empty     24 → 72     0:.38 10:.40 24:.38 | 29:.40 58:.32 72:.22               .35 → .26
    cbis       proxy-rs  24 → 72     0:.38 10:.40 24:.38 | 43:.43 72:.36                      .34 → .35

WBCAtt's and MIMIC-CXR's validation curves still rise after 8 steps and level by about 20-24; SKINCON's and CBIS's are
flat by 24 and CBIS's empty instruction collapses by 72. So the default preset now repeats every benchmark's 64
images three times: 24 main-stage steps each. One seed, 100 questions a curve point (±0.1): a guide, not a result.
"""
import argparse, time
from dataclasses import replace
from pathlib import Path
from medvlm.core.settings import read_settings
from medvlm.instfree.tune import TUNE_PRESETS
from medvlm.instfree.study import run_instruction_free

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=float, nargs='+', default=[2, 8])
parser.add_argument('--benchmarks', nargs='+', default=['wbcatt', 'cbis'])
parser.add_argument('--methods', nargs='+', default=['empty', 'proxy-rs'])
parser.add_argument('--seed', type=int, default=0)
args = parser.parse_args()
settings = read_settings()
for epochs in args.epochs:
    name = f'budget-{epochs:g}'
    TUNE_PRESETS[name] = replace(TUNE_PRESETS['default'], epochs=epochs)
    for benchmark in args.benchmarks:
        for method in args.methods:
            started = time.perf_counter()
            m = run_instruction_free(settings.runs_dir/'tune_budget'/name/benchmark/method, benchmark, method, settings.model,
                                     settings.data_root(benchmark), name, seed=args.seed, mode='loglik', progress=False)
            curve = ' '.join(f"{p['step']}:{p['accuracy']:.2f}" for p in m['curve'])
            print(f"epochs {epochs:g} {benchmark:9s} {method:9s} test {m['accuracy']:.3f} (n {m['n']}, chance {m['chance']:.2f}) "
                  f"curve(n {m['curve'][0]['n']}) {curve}  [{time.perf_counter() - started:.0f}s]", flush=True)
