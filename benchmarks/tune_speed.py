"""Where an instruction-free tuning step's time goes on the CPU: the default preset's main stage (method `empty`,
64 images × 3, batch 16: 24 steps) on the shipped base, with the LoRA branch's dropout at 0.05 (peft's usual) and at
0 (the default preset's), side by side in one run, repeats interleaved, best of each kept; prints seconds per
benchmark, their ratio, then one JSON line. Dropout is a change of recipe, not only of speed: what it does to the
study's accuracies is in the reports of the `make reproduce` before and after it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/tune_speed.py [--benchmarks wbcatt skincon cbis mimic-cxr] [--repeats 2]

One thread, as each of `make reproduce`'s two workers runs. The world is the settings' (`medvlm synth all`).

Measured 2026-12-06 (fourteenth session; best of 2, one thread, the shipped base v14):

    wbcatt: 24 main-stage steps 13.8 s with dropout 0.05, 11.3 s without (1.23x)
    skincon: 24 main-stage steps 5.3 s with dropout 0.05, 4.9 s without (1.09x)
    cbis: 24 main-stage steps 6.0 s with dropout 0.05, 4.9 s without (1.23x)
    mimic-cxr: 24 main-stage steps 5.3 s with dropout 0.05, 4.3 s without (1.23x)
"""
import argparse, json, tempfile, time
from dataclasses import replace

from medvlm.core.settings import read_settings, seed_everything
from medvlm.data.datasets import load_dataset, load_options
from medvlm.instfree.tune import get_tune_preset, tune
from medvlm.model.loading import LoraSpec, load_model, add_adapter

DROPOUTS = (0.05, 0.0)


def tune_seconds(model_path, records, benchmark, config, dropout, out) -> float:
    "Seconds of the main stage of `empty` with LoRA dropout `dropout` (model loading left out)."
    seed_everything(0)
    model, processor = load_model(model_path, config.adapter, 'cpu')
    model = add_adapter(model, config.adapter, LoraSpec(dropout=dropout))
    start = time.perf_counter()
    tune(model, processor, records, benchmark, 'empty', config, out, seed=0, progress=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--benchmarks', nargs='+', default=['wbcatt', 'skincon', 'cbis', 'mimic-cxr'])
    parser.add_argument('--repeats', type=int, default=2)
    args = parser.parse_args()
    settings, config = read_settings(), get_tune_preset('default')
    config = replace(config, checkpoint_every=10_000)          # no checkpoint writes inside the timing
    results = {}
    for benchmark in args.benchmarks:
        data = load_dataset(benchmark, settings.data_root(benchmark), **load_options(benchmark, False))
        records = data.split('train')[:config.max_train]
        best = {d: float('inf') for d in DROPOUTS}
        for repeat in range(args.repeats):
            for dropout in DROPOUTS:
                with tempfile.TemporaryDirectory() as out:
                    seconds = tune_seconds(settings.model, records, benchmark, config, dropout, out)
                best[dropout] = min(best[dropout], seconds)
                print(f"  {benchmark} repeat {repeat}: dropout {dropout:<4} {seconds:6.1f} s", flush=True)
        results[benchmark] = {'seconds': {str(d): round(s, 1) for d, s in best.items()}, 'ratio': round(best[0.05] / best[0.0], 3)}
        print(f"{benchmark}: 24 main-stage steps {best[0.05]:.1f} s with dropout 0.05, {best[0.0]:.1f} s without "
              f"({results[benchmark]['ratio']:.2f}x)", flush=True)
    print(json.dumps(results))


if __name__ == '__main__': main()
