"""Issue 19.4: size the instruction-free tuning budget from learning curves. Runs `methods` on `benchmarks` (seed 0, the
shipped base, the default mini-world) with the default preset's settings but `epochs` main-stage epochs, and prints the
validation-accuracy curve (letter likelihood, step 0 = before tuning) of each run beside the final test accuracy.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/tune_budget.py --epochs 2 8 --benchmarks wbcatt cbis --methods empty proxy-rs

Runs go to runs/tune_budget/<epochs>/... (resumable; rerun to print again).
"""
import argparse, time
from dataclasses import replace
from pathlib import Path
from medvlm.settings import read_settings
from medvlm.tune import TUNE_PRESETS
from medvlm.instruction_free import run_instruction_free

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
