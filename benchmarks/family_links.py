"""Issue 17: where a chained family answer ('the glorb is teem. The correct answer is B.') breaks, link by link, on a base
continued by `families_probe.py chain` or `chain+` (the families of `families.py`; held-out families only described):

1. the name: does the base's own answer begin 'the {asked name} is'?
2. the value: forced to begin 'the {asked name} is', does it write the right word?
3. the letter: forced to begin 'the {name} is {word}. The correct answer is', does it pick the letter of the option
   that says {word}: with the true word, and with a false one (then only a letter read from the written word agrees)?
And the MCQ answered with only link 1 forced: what the chain would score if the base copied the asked name.

    cd /tmp && OMP_NUM_THREADS=2 /work/main/.venv/bin/python /work/main/benchmarks/family_links.py MODEL WORLD [FAMILIES] [N]

2026-12-07, world /tmp/rederive/data/generic, 200 items each (held-out families, chance 0.388):
    base                    1 name   2 value  3 letter (true word)  3 follows a false word  MCQ, only the name forced
    chain48-model           0.000    0.675    0.485                 0.520                   0.500 [0.431, 0.569]
    chainplus48-model       0.025    0.715    0.440                 0.515                   0.430 [0.363, 0.499]
    chainplus48, trained    1.000    0.975    0.790                 0.315                   0.780
    chainplus192-model      0.830    0.625    0.440                 0.420                   0.415 [0.349, 0.484]  (192 families, chance 0.402)
    chainplus192, trained   1.000    0.745    0.530                 0.310                   0.520 [0.451, 0.588]  (chance 0.370)
    chainplus192b-model     0.865    0.840    0.465                 0.545                   0.440 [0.373, 0.509]  (10,000 steps)
    chainplus192b, trained  1.000    0.935    0.630                 0.445                   0.625 [0.556, 0.689]
Unforced, a held-out family is answered through a trained family's name ("the kesnoo is kroomaish. …").
"""
import sys
from pathlib import Path
import numpy as np
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
sys.path.insert(0, str(Path(__file__).parent))
from families import make_families, family_items, letter_of, name_of, options_of, wilson
from forced_answers import continue_answers
from medvlm.base.pretrain import ImageCache, scenes
from medvlm.data.benchmarks import parse_answer_letter, letters_for

model_dir, data = sys.argv[1], Path(sys.argv[2])
count, n = (int(sys.argv[3]) if len(sys.argv) > 3 else 48), (int(sys.argv[4]) if len(sys.argv) > 4 else 200)
torch.set_num_threads(2)
model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
images, families = ImageCache(data), make_families(count)

def continued(items, prefixes, tokens=24) -> list:
    return continue_answers(model, processor, [i.question for i in items], [images(i.image) for i in items], prefixes, tokens)

for held_out, seed in ((True, 1), (False, 2)):
    items = family_items(families, scenes(data, 'test'), held_out, n, seed)
    rng = np.random.default_rng(0)
    own = continued(items, [''] * len(items), 32)
    named = [a.startswith(f"the {name_of(i)} is") for i, a in zip(items, own)]
    after_name = continued(items, [f"the {name_of(i)} is" for i in items], 24)
    truths = [options_of(i)[i.answer] for i in items]
    value_right = [(v.split() or [''])[0].strip('.,') == t for v, t in zip(after_name, truths)]
    true_letters = continued(items, [f"the {name_of(i)} is {t}. The correct answer is" for i, t in zip(items, truths)], 4)
    letter_right = [parse_answer_letter('The correct answer is' + a, letters_for(i.options)) == i.answer for i, a in zip(items, true_letters)]
    false_words = [[w for w in options_of(i).values() if w != t][rng.integers(i.options - 1)] for i, t in zip(items, truths)]
    false_letters = continued(items, [f"the {name_of(i)} is {w}. The correct answer is" for i, w in zip(items, false_words)], 4)
    follows = [parse_answer_letter('The correct answer is' + a, letters_for(i.options)) == letter_of(i, w)
               for i, a, w in zip(items, false_letters, false_words)]
    forced_mcq = [parse_answer_letter(a, letters_for(i.options)) == i.answer for i, a in zip(items, after_name)]
    print('held-out' if held_out else 'trained', 'families, chance', f"{np.mean([i.chance for i in items]):.3f}:")
    print('  1 name copied      ', wilson(sum(named), len(items)), '| e.g.', own[:3])
    print('  2 value, forced    ', wilson(sum(value_right), len(items)))
    print('  3 letter, true word', wilson(sum(letter_right), len(items)))
    print('  3 letter follows a false word', wilson(sum(follows), len(items)))
    print('  MCQ with only the name forced (its own value and letter)', wilson(sum(forced_mcq), len(items)))
