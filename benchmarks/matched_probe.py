"""Issue 17: which link of 'describe, then answer' breaks for the described-only attribute (fill) in a base continued
with `base_continue.py matched`. That base answers image MCQs with the scene's description, then the letter, and
text-only MCQs followed by notes on a made-up scene ('Notes: red colour, blick zorp, …') by repeating the notes, then
the letter; two times in three a made-up attribute is asked there, so its letter comes only from matching the options
against the notes. The sanity suite's described-only items (fill) and trained-attribute MCQs (control) asked four ways:

    direct        the sanity report's question, the image given (the base writes its own description first)
    forced        the image given, the answer forced to begin with the scene's true description and '. The correct answer is'
    notes         text only: the question, then 'Notes: {the scene's true description}.' (the `matched` task's form)
    image+notes   the same, the image given too

    .venv/bin/python benchmarks/matched_probe.py MODEL [DATA] [N]

DATA is the generic world (default data/synthetic/generic; `medvlm synth generic` writes it).

2026-12-07 (twentieth session), v18 + `base_continue.py matched 2000 5e-4` (/tmp/p20/matched-model), world
/tmp/rederive/data/generic, 200 items each, 95 % intervals:

    mcq_describe_only direct       0.285 [0.227, 0.351]  chance 0.250  parse 1.000
    mcq_describe_only forced       0.280 [0.222, 0.346]  chance 0.250  parse 1.000
    mcq_describe_only notes        0.255 [0.200, 0.320]  chance 0.250  parse 1.000
    mcq_describe_only image+notes  0.245 [0.191, 0.309]  chance 0.250  parse 0.900
    mcq direct                     0.935 [0.892, 0.962]  chance 0.236  parse 1.000
    mcq forced                     0.935 [0.892, 0.962]  chance 0.236  parse 1.000
    mcq notes                      0.215 [0.164, 0.277]  chance 0.236  parse 0.975
    mcq image+notes                0.805 [0.745, 0.854]  chance 0.236  parse 0.965

Given the true description, the letter for fill is still at chance (forced 0.280), and trained attributes asked over
the notes without the image fall to chance too (0.215): the letter comes from the image, never from the words written
after the options, so the description link holds (the base writes fill right) and the lookup link does not.
"""
import sys
from pathlib import Path
import numpy as np
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.base.pretrain import ImageCache, scenes
from medvlm.base.sanity import sanity_items, share_interval
from medvlm.core.records import IMAGE_TOKEN
from medvlm.model.collate import generate_answers
from medvlm.synth.generic import describe_generic
from medvlm.synth.tasks import score_item
from forced_answers import continue_answers


def forced_letters(model, processor, items, images, prefixes) -> list:
    "Each forced prefix and what the model writes after it (4 tokens: the letter)."
    texts = continue_answers(model, processor, [i.question for i in items], images, prefixes, max_new_tokens=4)
    return [p + t for p, t in zip(prefixes, texts)]


def report(name, items, answers):
    scored = [score_item(i, a) for i, a in zip(items, answers)]     # (right, parsed), as the sanity suite scores MCQs
    correct = int(sum(right for right, _ in scored))
    low, high = share_interval(correct, len(items))
    print(f"{name:28s} n {len(items)}  accuracy {correct / len(items):.3f} [{low:.3f}, {high:.3f}]  chance "
          f"{np.mean([1 / i.options for i in items]):.3f}  parse {np.mean([parsed for _, parsed in scored]):.3f}", flush=True)


if __name__ == '__main__':
    model_dir = sys.argv[1]
    data = Path(sys.argv[2]) if len(sys.argv) > 2 else Path('data/synthetic/generic')
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    torch.set_num_threads(2)
    model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
    suite, cache, truth = sanity_items(data, ('fill',), 500, 0), ImageCache(data), dict(scenes(data, 'test'))
    for skill in ('mcq_describe_only', 'mcq'):
        items = suite[skill][:n]
        images = [cache(i.image) for i in items]
        described = [describe_generic(truth[i.image]) for i in items]
        noted = [i.question.replace(f"{IMAGE_TOKEN}\n", '', 1) + f"\nNotes: {d}." for i, d in zip(items, described)]
        report(f"{skill} direct", items, generate_answers(model, processor, images, [i.question for i in items], 60, 64))
        report(f"{skill} forced", items, forced_letters(model, processor, items, images, [d + '. The correct answer is' for d in described]))
        report(f"{skill} notes", items, generate_answers(model, processor, [None] * n, noted, 60, 64))
        report(f"{skill} image+notes", items, generate_answers(model, processor, images, [f"{IMAGE_TOKEN}\n{q}" for q in noted], 60, 64))
