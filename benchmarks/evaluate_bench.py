"""MCQ evaluation speed: reading the answer letter from one forward pass (loglik) vs greedy generation (the paper's
protocol), and batched vs one-at-a-time generation. Both sides are measured on the same items in one run (repeats
interleaved, best of each kept); prints figures, then one JSON line.

    .venv/bin/python benchmarks/evaluate_bench.py [--model runs/base/default] [--items 128] [--batch 16]
        [--max-new-tokens 16] [--repeats 2] [--device auto]
    .venv/bin/python benchmarks/evaluate_bench.py --benchmark wbcatt --data-root data/synthetic/wbcatt

--benchmark generic (the default) asks the MCQ conversations of the generic world's validation split (--data-root,
default data/synthetic/generic; when it is missing a small world is written to a temporary folder). Any other
benchmark (wbcatt, skincon, cbis, mimic-cxr) is read with medvlm.data.datasets.load_dataset from --data-root and asked
build_mcqs(test split). Goals: loglik >= 10x the items/s of generate; batched generate >= 5x one-at-a-time.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path

from medvlm.data.benchmarks import MCQ_BENCHMARKS, attribute_name, build_mcqs, mcq_prompt, parse_answer_letter
from medvlm.data.datasets import load_dataset
from medvlm.evaluation.mcq import mcq_generate, mcq_loglik
from medvlm.model.loading import load_model
from medvlm.base.pretrain import generic_split
from medvlm.core.records import IMAGE_TOKEN, MCQItem
from medvlm.synth.toolkit import SynthPreset
from medvlm.synth.generic import write_generic


def generic_items(root: Path) -> list:
    "The MCQ conversations of the generic world's validation split, as MCQ items."
    items = []
    for c in generic_split(root, 'val'):
        if c.extra.get('task') != 'mcq': continue
        key = c.extra['key']
        item = MCQItem(c.id, root/c.image, key, f'What is the {attribute_name(key)}?', c.extra['options'], c.extra['answer'])
        assert mcq_prompt(item) == c.turns[0].value.replace(IMAGE_TOKEN, '').strip(), c.id   # asked as it was trained
        items.append(item)
    return items


def benchmark_items(name: str, root) -> list:
    if name == 'generic':
        root = Path(root or 'data/synthetic/generic')
        if not (root/'val.json').is_file():
            root = Path(tempfile.mkdtemp())/'generic'
            print(f'# no generic world at data/synthetic/generic; writing a small one to {root}')
            write_generic(root, seed=0, preset=SynthPreset('bench', 0, 256, 0, generic=16))
        return generic_items(root)
    root = Path(root or f'data/synthetic/{name}')
    if not root.exists(): sys.exit(f'evaluate_bench: no {name} data at {root}; write it with `medvlm synth {name}` or pass --data-root')
    return build_mcqs(load_dataset(name, root).split('test'), seed=0)[0]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', default='runs/base/default', help='checkpoint folder or hub id')
    parser.add_argument('--benchmark', default='generic', choices=('generic',) + MCQ_BENCHMARKS)
    parser.add_argument('--data-root', default=None)
    parser.add_argument('--items', type=int, default=128, help='items asked (the first N)')
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--max-new-tokens', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--device', default='auto')
    args = parser.parse_args()
    if not Path(args.model).exists() and args.model == 'runs/base/default':
        sys.exit('evaluate_bench: no checkpoint at runs/base/default; pretrain the tiny base first '
                 '(papermill nbs/experiments/pretrain.ipynb runs/base/pretrain.ipynb -p preset default -p out runs/base/default) '
                 'or pass --model PATH')
    items = benchmark_items(args.benchmark, args.data_root)[:args.items]
    model, processor = load_model(args.model, 'none', device=args.device)
    print(f'# MCQ evaluation speed: {args.model} ({sum(p.numel() for p in model.parameters()):,} parameters) on '
          f'{model.device}, {args.benchmark}: {len(items)} items, batch {args.batch}, max {args.max_new_tokens} new tokens')

    runs = {'loglik': lambda: mcq_loglik(model, processor, items, args.batch),
            'generate': lambda: mcq_generate(model, processor, items, args.batch, args.max_new_tokens),
            'generate_single': lambda: mcq_generate(model, processor, items, 1, args.max_new_tokens)}
    mcq_loglik(model, processor, items[:2], 2); mcq_generate(model, processor, items[:2], 2, 2)   # warm-up
    seconds, outputs = {side: [] for side in runs}, {}
    for repeat in range(args.repeats):          # interleaved, so drift on a shared machine hits every side
        for side, fn in runs.items():
            outputs[side], took = timed(fn)
            seconds[side].append(took)
            print(f'  repeat {repeat}: {side:16s} {took:7.2f} s  {len(items) / took:8.1f} items/s')
    best = {side: min(s) for side, s in seconds.items()}
    rate = {side: round(len(items) / s, 2) for side, s in best.items()}

    letters = [parse_answer_letter(text, item.letters) for text, item in zip(outputs['generate'], items)]
    same_letter = sum(a == b for a, b in zip(letters, outputs['loglik'])) / len(items)
    same_text = sum(a == b for a, b in zip(outputs['generate'], outputs['generate_single'])) / len(items)
    accuracy = {'generate': sum(l == i.answer for l, i in zip(letters, items)) / len(items),
                'loglik': sum(l == i.answer for l, i in zip(outputs['loglik'], items)) / len(items)}
    ratio, batching = best['generate'] / best['loglik'], best['generate_single'] / best['generate']
    print(f'loglik {best["loglik"]:.2f} s ({rate["loglik"]} items/s) vs generate {best["generate"]:.2f} s '
          f'({rate["generate"]} items/s): {ratio:.1f}x (goal >= 10x); identical answers {100 * same_letter:.1f} %')
    print(f'batched generate {rate["generate"]} items/s vs one at a time {rate["generate_single"]} items/s: '
          f'{batching:.1f}x (goal >= 5x); identical texts {100 * same_text:.1f} %')
    print(f'accuracy: generate {accuracy["generate"]:.3f} ({letters.count(None)} unparseable), loglik {accuracy["loglik"]:.3f}; '
          f'example answer: {outputs["generate"][0]!r}')
    print(json.dumps({'model': args.model, 'benchmark': args.benchmark, 'items': len(items), 'batch': args.batch,
                      'max_new_tokens': args.max_new_tokens, 'seconds': {k: round(v, 3) for k, v in best.items()},
                      'items_per_s': rate, 'loglik_over_generate': round(ratio, 2), 'identical_answers': round(same_letter, 4),
                      'batched_over_single': round(batching, 2), 'identical_texts': round(same_text, 4),
                      'accuracy': {k: round(v, 4) for k, v in accuracy.items()}, 'unparseable': letters.count(None)}))


if __name__ == '__main__':
    main()
