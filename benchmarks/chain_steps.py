"""Issue 17: where a chained MCQ answer to the described-only attribute breaks. `base_continue.py name-chain` trains
answers 'the {name} is {value}. The correct answer is X.', `described-chain` answers '{the whole scene, name first};
so the {name} is {value}. The correct answer is X.' Each link of the chain is a trained skill on the other
attributes: (1) name the asked attribute, (2) give its value, (3) look up the option that says it. This script forces
link (1) for fill and reads links (2) and (3) on the sanity suite's described-only items (fill, 4 options):

    .venv/bin/python benchmarks/chain_steps.py MODEL start 'the fill is' [DATA] [N]   # the answer begins with the forced words
    .venv/bin/python benchmarks/chain_steps.py MODEL after 'fill is' [DATA] [N]       # the model's own answer up to '; so the', then the forced words

DATA is the generic world (default data/synthetic/generic, which `medvlm synth generic` writes). MODEL is a base a
`base_continue.py` run saved (its seventh argument).

2026-12-07, the four continued bases of that day (v14 + 1,500 steps at 5e-4 each, `base_continue.py`), 200 items, world /tmp/rederive/data/generic:
  name-chain,      start 'the fill is': accuracy 0.260, the value after it right 0.015 ('the fill is circle', 'the fill is cross')
  described-chain, after 'fill is':     accuracy 0.275; the fill in its own description right 0.765, that value copied 0.000
                                        (it writes the value just before '; so the', the background's: 'so the fill is dark')
  noted-chain,     after 'fill is':     accuracy 0.315; own description's fill right 0.550, copied 0.000 ('so the fill is star')
  described-chain-copy, after 'fill is': accuracy 0.260; own description's fill right 0.700, copied 0.000 ('so the fill is dark')
Unforced, all four bases name another, trained attribute at link (1) ('the background is small', 'so the object count is
one'): the question's word 'fill' is not copied, and even when it is given, the value is neither perceived nor copied
from the description four words back. 50_pretrain, "Chained answers", reads it.
"""
import re, sys
from pathlib import Path
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.base.sanity import sanity_items
from medvlm.base.pretrain import ImageCache
from medvlm.synth.tasks import score_item
from medvlm.model.collate import generate_answers
from forced_answers import continue_answers

model_dir, where, forced = sys.argv[1], sys.argv[2], sys.argv[3]
data = Path(sys.argv[4]) if len(sys.argv) > 4 else Path('data/synthetic/generic')
n = int(sys.argv[5]) if len(sys.argv) > 5 else 200
torch.set_num_threads(2)
model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
items, images = sanity_items(data, ('fill',), 500, 0)['mcq_describe_only'][:n], ImageCache(data)

def continued(prefixes:list, max_new_tokens:int=24) -> list:
    "The model's greedy continuation of each item's answer after its forced `prefixes`."
    return continue_answers(model, processor, [i.question for i in items], [images(i.image) for i in items], prefixes, max_new_tokens)

if where == 'start': prefixes = [forced] * len(items)
else:
    own = generate_answers(model, processor, [images(i.image) for i in items], [i.question for i in items], max_new_tokens=80, batch_size=50)
    prefixes = [answer.split('; so the')[0] + '; so the ' + forced for answer in own]
texts = continued(prefixes)
right = described = copied = 0
for item, prefix, text in zip(items, prefixes, texts):
    truth = dict(re.findall(r'^([A-F])\. (.+)$', item.question, re.M))[item.answer]
    right += score_item(item, prefix + text)[0]
    if where == 'start': copied += text.strip().startswith(truth)        # the value perceived after the forced name
    else:
        said = re.search(r'the fill is (\w+)', prefix)
        described += bool(said) and said.group(1) == truth
        copied += bool(said) and text.strip().startswith(said.group(1))
print(f"{where} {forced!r}: accuracy {right / n:.3f}" + (f"; own description's fill right {described / n:.3f}" if where != 'start' else '')
      + f"; value after the forced words {'copied' if where != 'start' else 'right'} {copied / n:.3f} (n {n})")
for prefix, text in list(zip(prefixes, texts))[:4]: print(prefix[-60:], '|', text)
