"""Issue 17: on the sanity suite's 53 position MCQ items, does a base that answers through a chain ('the position is
top left. The correct answer is B.', `base_continue.py name-chain`) write the position right, and is its letter then
right? Splits the items by (position written right / wrong / not written) × (letter right / wrong).

    .venv/bin/python benchmarks/chain_position.py MODEL [DATA] [--show]

DATA is the generic world (default data/synthetic/generic); --show prints each wrong answer with its options.

2026-12-07 (eighteenth session), world /tmp/rederive/data/generic:
  name-chain (v14 + 1,500 steps, /tmp/p17/name-chain-model): written right 53 of 53; letter right 28, wrong 25
So the chain's value link holds for position and its lookup link breaks: the letter does not follow the position
the base has just written (`lookup_values.py`: v14 looks up the world's position words 0.56 of the time).
"""
import re, sys
from collections import Counter
from pathlib import Path
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.base.sanity import sanity_items, asked_attribute
from medvlm.base.pretrain import ImageCache
from medvlm.synth.tasks import score_item
from medvlm.model.collate import generate_answers

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a != '--show']
    model_dir, data = args[0], Path(args[1] if len(args) > 1 else 'data/synthetic/generic')
    torch.set_num_threads(2)
    model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
    items = [i for i in sanity_items(data, ('fill',), 500, 0)['mcq'] if asked_attribute(i.question) == 'position']
    images = ImageCache(data)
    answers = generate_answers(model, processor, [images(i.image) for i in items], [i.question for i in items], max_new_tokens=24, batch_size=64)
    kinds = Counter()
    for item, answer in zip(items, answers):
        options = dict(re.findall(r'^([A-F])\. (.+)$', item.question, re.M))
        said = re.search(r'the position is ([a-z ]+?)\.', answer)
        right = score_item(item, answer)[0]
        written = 'not written' if not said else 'written right' if said.group(1) == options[item.answer] else 'written wrong'
        kinds[f"{written}, letter {'right' if right else 'wrong'}"] += 1
        if not right and '--show' in sys.argv: print(options[item.answer], '|', options, '|', answer)
    print(f"{model_dir}: {len(items)} position items; " + '; '.join(f'{k} {v}' for k, v in sorted(kinds.items())))
