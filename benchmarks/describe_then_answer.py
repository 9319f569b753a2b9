"""Can the shipped base answer an MCQ about an attribute it saw only in descriptions by describing the image first and
then looking the answer up in that description? A probe of the chain issue 17's described-only row might be trained
for, with no training: the held-out suite's MCQs asked three ways, the image always given —

    direct     the question as the sanity report asks it
    own-desc   the base's own description of the image (greedy, 48 tokens), a line break, then the question
    true-desc  the scene's true description, a line break, then the question

for the described-only attribute(s) (`mcq_describe_only`) and, as the control, the trained attributes (`mcq`).

    .venv/bin/python benchmarks/describe_then_answer.py [--world data/synthetic/generic] [--n 400] [--model models/tiny-base]

The world is the generic one the base was trained on (`medvlm synth generic` writes it; data fingerprint
1704a1a6ef297a8d, as in the shipped sanity.json).

Measured 2026-12-07 (sixteenth session; shipped base v14, n 400 each; 95 % intervals; parse 1.000 every way):

    mcq_describe_only (chance 0.250)  direct 0.242 [0.203, 0.287]  own-desc 0.575 [0.526, 0.623]  true-desc 0.593 [0.544, 0.640]
    mcq               (chance 0.235)  direct 0.910 [0.878, 0.934]  own-desc 0.378 [0.331, 0.426]  true-desc 0.370 [0.324, 0.418]

A description before the question more than doubles the described-only accuracy with no training for that format,
and the base's own description serves almost as well as the truth (it describes at 0.99) — but the same preamble
breaks the trained MCQ (0.91 to 0.38): the base answers trained attributes from the image only in the exact
format it was trained on. A recipe that trains the chain (describe, then answer from the description) is the next
thing to try for that row; this probe says the lookup half of it is partly there already.
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from medvlm.base.pretrain import ImageCache, scenes
from medvlm.base.sanity import sanity_items, share_interval
from medvlm.core.records import IMAGE_TOKEN, read_json
from medvlm.data.benchmarks import letters_for, parse_answer_letter
from medvlm.model.collate import generate_answers
from medvlm.synth.generic import describe_generic


def accuracy(model, processor, items, images, preambles) -> tuple:
    "(correct answers, parse rate) of `items` asked with each preamble put before its question."
    questions = [i.question.replace(f"{IMAGE_TOKEN}\n", f"{IMAGE_TOKEN}\n{p}", 1) for i, p in zip(items, preambles)]
    answers = generate_answers(model, processor, images, questions, max_new_tokens=12, batch_size=64)
    letters = [parse_answer_letter(a, letters_for(i.options)) for a, i in zip(answers, items)]
    return sum(l == i.answer for l, i in zip(letters, items)), float(np.mean([l is not None for l in letters]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--world', type=Path, default=Path('data/synthetic/generic'))
    parser.add_argument('--model', type=Path, default=Path('models/tiny-base'))
    parser.add_argument('--n', type=int, default=400)
    args = parser.parse_args()
    model = AutoModelForImageTextToText.from_pretrained(args.model).eval()
    processor = AutoProcessor.from_pretrained(args.model)
    pretrained = read_json(args.model/'pretrain.json')
    suite = sanity_items(args.world, pretrained['preset']['describe_only'], args.n, pretrained['seed'])
    truth, cache = dict(scenes(args.world, 'test')), ImageCache(args.world)
    for skill in ('mcq_describe_only', 'mcq'):
        items = suite[skill][:args.n]
        images = [cache(i.image) for i in items]
        own = generate_answers(model, processor, images, [f"{IMAGE_TOKEN}\nDescribe the image."] * len(items), max_new_tokens=48, batch_size=64)
        ways = {'direct': [''] * len(items), 'own-desc': [d + '\n' for d in own],
                'true-desc': [describe_generic(truth[i.image]) + '\n' for i in items]}
        chance = np.mean([1 / i.options for i in items])
        for way, preambles in ways.items():
            correct, parse = accuracy(model, processor, items, images, preambles)
            low, high = share_interval(correct, len(items))
            print(f"{skill:18s} {way:9s} n {len(items)}  accuracy {correct / len(items):.3f} [{low:.3f}, {high:.3f}]  "
                  f"chance {chance:.3f}  parse {parse:.3f}", flush=True)


if __name__ == '__main__':
    torch.set_num_threads(1)
    main()
