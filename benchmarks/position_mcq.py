"""Issue 17: why the base answers MCQ on position at about half. Does it know the position (the open question on
held-out one-object scenes), and when its MCQ is wrong, does the wrong option share a word with the truth ('top left'
for 'top right', a look-alike) or not?

    .venv/bin/python benchmarks/position_mcq.py models/tiny-base data/synthetic/generic

2026-12-06, on the sanity suite's 53 position items (500 MCQ, seed 0) and 300 open questions:
  v11: MCQ right 26, wrong sharing a word 10, wrong sharing none 17; open answer 1.00
  v14: MCQ right 28, wrong sharing a word 12, wrong sharing none 13; open answer 1.00
A blind pick among the wrong options shares a word about half the time (two of a corner's four others do; none of the
centre's), so the errors are not look-alike confusions: the base knows where the object is and does not bring it to
the options. Two controls on v14, the same items:
  asked in the open question's words ("Where is the object?" for "What is the position?"): 0.245 (template 0.528);
  shape asked "What shape is the object?" for "What is the shape?": 0.940 (template 0.946), so shape's MCQ does not
  hang on the wording and position's does;
  each item with another scene's image: 0.208 (chance about 0.22), so the 0.53 is partly read from the scene.
"""
import sys, re, collections
from pathlib import Path
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.core.records import read_json
from medvlm.base.sanity import sanity_items, asked_attribute
from medvlm.base.pretrain import answer_items, ImageCache, scenes
from medvlm.synth.tasks import SkillItem, human, score_item
from medvlm.synth.generic import generic_open

base, world = Path(sys.argv[1]), Path(sys.argv[2])
model, processor = LlavaForConditionalGeneration.from_pretrained(base).eval(), AutoProcessor.from_pretrained(base)
report = read_json(base/'sanity.json')

def accuracy(group:list) -> float:
    "The share of `group` the base answers right."
    answers = answer_items(model, processor, group, ImageCache(world))
    return sum(score_item(i, a)[0] for i, a in zip(group, answers)) / len(group)

suite = sanity_items(world, read_json(base/'pretrain.json')['preset']['describe_only'], report['per_skill'], report['seed'])
items = [item for item in suite['mcq'] if asked_attribute(item.question) == 'position']
kinds, picks = collections.Counter(), collections.defaultdict(collections.Counter)
for item, answer in zip(items, answer_items(model, processor, items, ImageCache(world))):
    options = dict(re.findall(r'^([A-F])\. (.+)$', item.question, re.M))
    letter = re.search(r'answer is ([A-F])', answer)
    truth, picked = options[item.answer], options.get(letter and letter.group(1), 'unparsed')
    shares = set(truth.split()) & set(picked.split()) if ' ' in truth and ' ' in picked else set()
    kinds['right' if picked == truth else 'wrong, shares a word' if shares else 'wrong, shares none'] += 1
    picks[truth][picked] += 1
print(f"MCQ on position, {len(items)} items: {dict(kinds)}")
for truth, counter in sorted(picks.items()): print(f"  {truth}: {dict(counter.most_common())}")
held_out = [(image, a) for image, a in scenes(world, 'test') if 'position' in a][:300]
questions = [generic_open(a, 'position') for _, a in held_out]
open_items = [SkillItem('open', image, human(q).value, answer) for (image, _), (q, answer) in zip(held_out, questions)]
print(f"open answer on position, {len(open_items)} scenes: {accuracy(open_items):.3f}")
# The same MCQ items asked in the open question's words: does the wording that reaches the position open the options to it?
for attribute, template, open_words in (('position', 'What is the position?', 'Where is the object?'),
                                        ('shape', 'What is the shape?', 'What shape is the object?')):
    asked = [item for item in suite['mcq'] if asked_attribute(item.question) == attribute]
    reworded = [SkillItem(i.skill, i.image, i.question.replace(template, open_words), i.answer, i.options, i.chance) for i in asked]
    for name, group in (('paper template', asked), ('open wording', reworded)):
        print(f"MCQ on {attribute} asked as {name} ({group[0].question.splitlines()[1]!r}), {len(group)} items: {accuracy(group):.3f}")
# The same position items with each one's image swapped for another's: what the MCQ scores without seeing the scene.
shifted = [SkillItem(i.skill, items[(k + 1) % len(items)].image, i.question, i.answer, i.options, i.chance) for k, i in enumerate(items)]
print(f"MCQ on position with another scene's image, {len(shifted)} items: {accuracy(shifted):.3f}")
