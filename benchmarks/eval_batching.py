"""MCQ evaluation in batches of like-length prompts (`like_length_batches`) vs batches in the items' order, side by side
on the same model and items in one run (repeats interleaved); prints seconds per side and whether the answers agree.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/eval_batching.py [--benchmarks wbcatt mimic-cxr skincon cbis]
        [--data data/synthetic] [--model models/tiny-base] [--adapter qlora] [--mode both] [--repeats 2]

The mini-world comes from `medvlm synth` (or `make reproduce`), which writes data/synthetic.
"""
import argparse, time
from pathlib import Path

import medvlm.evaluation.mcq as mcq
from medvlm.model.loading import load_model
from medvlm.data.datasets import load_dataset, load_options, test_questions

def item_order(lengths:list, size:int):
    yield from mcq.batches(list(range(len(lengths))), size)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--benchmarks', nargs='+', default=['wbcatt', 'mimic-cxr', 'skincon', 'cbis'])
    parser.add_argument('--data', default='data/synthetic'); parser.add_argument('--model', default='models/tiny-base')
    parser.add_argument('--adapter', default='qlora'); parser.add_argument('--mode', default='both')
    parser.add_argument('--repeats', type=int, default=2)
    args = parser.parse_args()
    model, processor = load_model(args.model, args.adapter, 'cpu')
    sides = {'items order': item_order, 'like length': mcq.like_length_batches}
    for benchmark in args.benchmarks:
        items, _ = test_questions(load_dataset(benchmark, Path(args.data)/benchmark, **load_options(benchmark, False)), None)
        took, answers = {name: [] for name in sides}, {}
        for _ in range(args.repeats):
            for name, batching in sides.items():
                mcq.like_length_batches = batching
                started = time.perf_counter()
                answers[name] = [p.get('generated', p.get(args.mode)) for p in mcq.evaluate_mcq(model, processor, items, args.mode)]
                took[name].append(time.perf_counter() - started)
        mcq.like_length_batches = sides['like length']
        best = {name: min(seconds) for name, seconds in took.items()}
        print(f"{benchmark}: {len(items)} items, items order {best['items order']:.1f} s, like length {best['like length']:.1f} s "
              f"(ratio {best['items order'] / best['like length']:.2f}); answers the same: {answers['items order'] == answers['like length']}",
              flush=True)

if __name__ == '__main__': main()
