"""Issue 17: can a base find an option among the world's *own* values when the text names it? Text only, no image:
for each attribute, N items over its values (four options, or all three for size and background; the right letter
at each position in turn), asked two ways:

- `which`:  "Which option says top left?" over the positions (the sanity suite's `lookup_novel` form, which asks it
            over made-up words the base never saw);
- `stated`: "The position is top left." before the paper's MCQ "What is the position?" over the positions.

    .venv/bin/python benchmarks/lookup_values.py MODEL [N]

MODEL is a base folder (models/tiny-base, or one `base_continue.py` saved with its seventh argument).

2026-12-07 (eighteenth session), N 100, accuracy (chance 0.25; size and background 0.33):

    base                                  colour  size  fill  shape  position  object count  background
    v14                        which        0.99  0.43  0.71   0.43      0.56          0.55        0.89
                               stated       0.99  0.15  0.83   0.52      0.61          0.66        0.76
    v14 + value-lookup 1,500   which        1.00  1.00  0.42   1.00      0.96          1.00        1.00
                               stated       1.00  1.00  0.85   0.98      1.00          1.00        1.00
    v14 + value-lookup 3,000   which        1.00  1.00  0.56   1.00      1.00          1.00        1.00
                               stated       1.00  1.00  0.78   1.00      1.00          1.00        1.00
    v17                        which        1.00  1.00  0.77   1.00      1.00          1.00        1.00
                               stated       1.00  1.00  0.97   1.00      1.00          1.00        1.00
    v18 (shipped; nineteenth)  which        1.00  1.00  0.70   1.00      1.00          1.00        1.00
                               stated       1.00  1.00  0.89   1.00      1.00          1.00        1.00

v14 finds made-up words among options 0.99 of the time (lookup_novel) and, asked the MCQ with the image, picks the
right colour, object count or shape 0.95-0.99 of the time; yet told in words which option to pick, it finds the
world's own size, shape, position and object count only 0.15-0.66 of the time (size stated: below chance): its lookup is general over the made-up words it was taught on
(written in syllables) and learnt word by word over the world's words (whole tokens). `base_continue.py
value-lookup` (half the lookup and stated tasks over one trained attribute's values) teaches it for those words in
1,500 steps; fill, left out of it, follows only partly and unevenly (0.42-0.77 / 0.78-0.97 over the three bases).
v17 is v14 with that continuation made a recipe stage (`values`, 3,000 steps, 50_pretrain).
"""
import sys
import numpy as np
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.synth.generic import GENERIC_VALUES
from medvlm.synth.tasks import mcq_turns
from medvlm.data.benchmarks import attribute_name, letters_for, parse_answer_letter
from medvlm.model.collate import generate_answers

FORMS = ('which', 'stated')

def value_items(key:str, n:int, seed:int=0) -> list:
    "(options, the answer's position) ×`n` over `key`'s values, the answer at each position in turn."
    rng, values = np.random.default_rng(seed), GENERIC_VALUES[key]
    count = min(4, len(values))
    return [([values[i] for i in rng.permutation(len(values))[:count]], j % count) for j in range(n)]

def question(key:str, options:list, at:int, form:str) -> str:
    "The text-only user turn of one item in `form`."
    if form == 'which': return mcq_turns(f"Which option says {options[at]}?", options, at, False)[0].value
    name = attribute_name(key)
    return mcq_turns(f"What is the {name}?", options, at, False, f"The {name} is {options[at]}.\n")[0].value

def accuracy(model, processor, key:str, form:str, n:int) -> float:
    "Share of `key`'s items in `form` answered with the right letter."
    items = value_items(key, n)
    answers = generate_answers(model, processor, [None] * n, [question(key, o, at, form) for o, at in items],
                               max_new_tokens=12, batch_size=100)
    return float(np.mean([parse_answer_letter(a, letters_for(len(o))) == letters_for(len(o))[at] for a, (o, at) in zip(answers, items)]))

if __name__ == '__main__':
    model_dir, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
    torch.set_num_threads(2)
    model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
    print(f"{model_dir}, n {n} per cell\n{'form':8}" + ''.join(f"{attribute_name(k):>14}" for k in GENERIC_VALUES))
    for form in FORMS:
        print(f"{form:8}" + ''.join(f"{accuracy(model, processor, k, form, n):>14.2f}" for k in GENERIC_VALUES), flush=True)
