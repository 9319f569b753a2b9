"""How fast a tuned QLoRA run answers its test questions on the CPU: as trained (4-bit weights with the LoRA branch
beside them) vs `merged_for_eval` (the same nf4 weights dequantized to full precision, the adapter merged in), side
by side in one run, repeats interleaved, best of each kept; prints seconds, their ratio and how many generated
answers are the same, then one JSON line.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/merged_eval.py [--runs runs/instruction_free] [--method proxy]
        [--benchmarks wbcatt skincon cbis mimic-cxr] [--repeats 2]

One thread, as each of `make reproduce`'s two workers runs. Each benchmark's `<runs>/<benchmark>/<method>/seed0` must
be a finished run of the `default` tuning preset (`make reproduce` writes them); its model, data and test questions
are the run's own.

Measured 2026-12-07 (sixteenth session; one thread, the shipped base v14, method proxy, mode both, best of 2, on the
runs of the `make reproduce` before the change):

    wbcatt: 400 questions 6.6 s as trained, 4.1 s merged (1.63x); 400 of 400 generated answers the same
    skincon: 387 questions 12.3 s as trained, 6.4 s merged (1.91x); 387 of 387 generated answers the same
    cbis: 387 questions 7.6 s as trained, 4.4 s merged (1.73x); 387 of 387 generated answers the same
    mimic-cxr: 400 questions 15.0 s as trained, 7.6 s merged (1.96x); 400 of 400 generated answers the same
"""
import argparse, json, time
from pathlib import Path

import torch

from medvlm.data.datasets import load_dataset, load_options, test_questions
from medvlm.evaluation.mcq import evaluate_mcq, read_run_metrics
from medvlm.model.loading import load_model, load_adapter, merged_for_eval


def as_trained(run:dict, adapter_dir:Path):
    model, processor = load_model(run['model'], run['adapter'], 'cpu')
    return load_adapter(model, adapter_dir).eval(), processor


def merged(run:dict, adapter_dir:Path):
    return merged_for_eval(run['model'], run['adapter'], 'cpu', adapter_dir)


def timed(make, run, adapter_dir, items) -> tuple:
    "(seconds, predictions) of answering `items` with the model `make` builds (building it left out)."
    model, processor = make(run, adapter_dir)
    evaluate_mcq(model, processor, items[:16], run['mode'])                  # first-call set-up left out of the timing
    start = time.perf_counter()
    predictions = evaluate_mcq(model, processor, items, run['mode'])
    return time.perf_counter() - start, predictions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=Path, default=Path('runs/instruction_free'))
    parser.add_argument('--method', default='proxy')
    parser.add_argument('--benchmarks', nargs='+', default=['wbcatt', 'skincon', 'cbis', 'mimic-cxr'])
    parser.add_argument('--repeats', type=int, default=2)
    args = parser.parse_args()
    results = {}
    for benchmark in args.benchmarks:
        folder = args.runs/benchmark/args.method/'seed0'
        run = read_run_metrics(folder)
        if run['adapter'] != 'qlora': raise SystemExit(f"{folder}: adapter {run['adapter']!r}, not qlora")
        data = load_dataset(benchmark, run['data_root'], **load_options(benchmark, False))
        items, _ = test_questions(data, run['config']['max_test'])
        best, answers = {'as trained': float('inf'), 'merged': float('inf')}, {}
        for repeat in range(args.repeats):
            for name, make in (('as trained', as_trained), ('merged', merged)):
                seconds, answers[name] = timed(make, run, folder/'adapter', items)
                best[name] = min(best[name], seconds)
                print(f"  {benchmark} repeat {repeat}: {name:<10} {seconds:6.1f} s", flush=True)
        same = sum(a['generated'] == b['generated'] for a, b in zip(answers['as trained'], answers['merged']))
        ratio = best['as trained'] / best['merged']
        results[benchmark] = {'n': len(items), 'seconds': {k: round(v, 1) for k, v in best.items()}, 'ratio': round(ratio, 3),
                              'same_generated': same}
        print(f"{benchmark}: {len(items)} questions {best['as trained']:.1f} s as trained, {best['merged']:.1f} s merged "
              f"({ratio:.2f}x); {same} of {len(items)} generated answers the same", flush=True)
    print(json.dumps(results))


if __name__ == '__main__':
    torch.set_num_threads(1)
    main()
