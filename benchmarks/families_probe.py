"""Issue 17, the "many attribute families" lever: does the MCQ's comparison of an option with the image become one route
for all words once it is trained over many families, so that a family seen only in descriptions is answered as an MCQ?

The base's routes run word by word (50_pretrain, "Three draws" and "Reports that name absent findings"): six attributes
with 30 values are few enough to learn one comparison per word. This probe continues a shipped base on the world's
scenes with FAMILIES made-up attribute families laid over what the base already sees: each family takes one trained
attribute (never fill), splits its values into 2-4 groups and names the family and each group with made-up words
("the glorb is teem" = the colour is red or orange). A quarter of the families (every fourth) are only ever described
("Describe the image in family words." → "the glorb is teem, the vask is plou, …"); the others are also asked as the
paper's MCQ, yes/no and open questions. Half the stream is the base's own last-stage mix, so the base's skills stay.

Probes every 500 steps (test scenes, 200 items each unless said): MCQ on held-out families (described only; chance is
the mean 1/n, always-A scores as chance since the answer letter is uniform), MCQ on trained families, the held-out
families' words in the base's own family descriptions (100 scenes), and the sanity suite's MCQ and described-only
(fill) items (100 each). At the end the same on more items. 95 % Wilson intervals.

    cd /tmp && OMP_NUM_THREADS=2 /work/main/.venv/bin/python -u /work/main/benchmarks/families_probe.py FORM FAMILIES STEPS LR WORLD MODEL [OUT]
"""
import sys, re, time, dataclasses
from pathlib import Path
import numpy as np
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
import medvlm.synth.tasks as tasks
from medvlm.synth.tasks import SkillItem, mcq_turns, human, score_item, word_pool, world_words, train_words, novel_words, core_words
from medvlm.core.records import Turn
from medvlm.data.benchmarks import letters_for, parse_answer_letter
from medvlm.synth.generic import GENERIC_VALUES
from medvlm.base.pretrain import SkillStream, get_pretrain_preset, ImageCache, scenes, skill_scores
from medvlm.base.sanity import sanity_items
from medvlm.model.collate import ChatCollator, generate_answers
from medvlm.model.train import TrainConfig, train, Callback

FORM, FAMILIES, STEPS, LR, DATA = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), Path(sys.argv[5])
MODEL = sys.argv[6] if len(sys.argv) > 6 else '/work/main/models/tiny-base'
assert FORM in ('direct', 'chain'), f"FORM is 'direct' or 'chain', not {FORM!r}"
torch.set_num_threads(2)
FAMILY_WORDS_SEED = 5005
FAMILY_INSTRUCTION = "Describe the image in family words."

def make_families(count:int, seed:int=FAMILY_WORDS_SEED) -> list:
    "[{name, key, groups: {value: word}, words: [word per group], held_out}]: `count` families over the trained attributes."
    rng = np.random.default_rng(seed)
    pool = iter(word_pool(seed, count * 6, world_words() | set(train_words()) | set(novel_words()) | set(core_words())))
    keys = [k for k in GENERIC_VALUES if k != 'fill']
    families = []
    for f in range(count):
        key = keys[f % len(keys)]
        values = [GENERIC_VALUES[key][i] for i in rng.permutation(len(GENERIC_VALUES[key]))]
        g = int(rng.integers(2, min(4, len(values)) + 1))
        cuts = sorted(rng.choice(np.arange(1, len(values)), g - 1, replace=False)) if g > 1 else []
        groups = np.split(np.array(values, dtype=object), cuts)
        words = [next(pool) for _ in groups]
        families.append({'name': next(pool), 'key': key, 'words': words, 'held_out': f % 4 == 3,
                         'groups': {v: w for w, group in zip(words, groups) for v in group}})
    return families

FAMILY_LIST = make_families(FAMILIES)

def present(attributes, held_out=None) -> list:
    "The families the scene has a value for (only the held-out ones, or only the trained ones, when `held_out` is given)."
    return [f for f in FAMILY_LIST if f['key'] in attributes and (held_out is None or f['held_out'] == held_out)]

def task_family_describe(rng, attributes, **_):
    "'Describe the image in family words.' → up to five families the scene has, held-out ones included, name first."
    found = present(attributes)
    picked = [found[i] for i in rng.permutation(len(found))[:5]]
    return True, [human(FAMILY_INSTRUCTION), Turn('gpt', ', '.join(f"the {f['name']} is {f['groups'][attributes[f['key']]]}" for f in picked))]

def family_mcq(rng, attributes, family) -> tuple:
    "(turns, letter, option count): the paper's MCQ on `family`, every group word an option, shuffled."
    options = [family['words'][i] for i in rng.permutation(len(family['words']))]
    truth = family['groups'][attributes[family['key']]]
    at = options.index(truth)
    turns = mcq_turns(f"What is the {family['name']}?", options, at)
    if FORM == 'chain': turns[1] = Turn('gpt', f"the {family['name']} is {truth}. {turns[1].value}")
    return turns, letters_for(len(options))[at], len(options)

def task_family_mcq(rng, attributes, **_):
    found = present(attributes, False)
    return True, family_mcq(rng, attributes, found[rng.integers(len(found))])[0]

def task_family_yesno(rng, attributes, **_):
    found = present(attributes, False)
    family = found[rng.integers(len(found))]
    truth = family['groups'][attributes[family['key']]]
    word = truth if rng.random() < 0.5 else [w for w in family['words'] if w != truth][rng.integers(len(family['words']) - 1)]
    return True, [human(f"Is the {family['name']} {word}?"), Turn('gpt', 'Yes' if word == truth else 'No')]

def task_family_open(rng, attributes, **_):
    found = present(attributes, False)
    family = found[rng.integers(len(found))]
    return True, [human(f"What is the {family['name']}?"), Turn('gpt', family['groups'][attributes[family['key']]])]

tasks.TASKS.update({'fam-describe': task_family_describe, 'fam-mcq': task_family_mcq, 'fam-yesno': task_family_yesno,
                    'fam-open': task_family_open})
base = get_pretrain_preset('base')
mix = {**{k: v * 0.5 for k, v in base.values_mix.items()}, 'fam-describe': 0.2, 'fam-mcq': 0.17, 'fam-yesno': 0.08, 'fam-open': 0.05}
preset = dataclasses.replace(base, steps=STEPS, mix=mix)

def family_items(held_out:bool, n:int, seed:int) -> list:
    "`n` MCQ SkillItems on the test scenes about held-out (or trained) families."
    rng, items = np.random.default_rng(seed), []
    for image, attributes in scenes(DATA, 'test'):
        found = present(attributes, held_out)
        if not found: continue
        turns, letter, count = family_mcq(rng, attributes, found[rng.integers(len(found))])
        items.append(SkillItem('mcq', image, turns[0].value, letter, count, 1 / count))
        if len(items) == n: break
    return items

def wilson(k:float, n:int, z:float=1.96) -> str:
    p = k / n; centre = (p + z * z / (2 * n)) / (1 + z * z / n); half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{p:.3f} [{centre - half:.3f}, {centre + half:.3f}] (n {n})"

def mcq_line(items, answers) -> str:
    scores = [score_item(i, a)[0] for i, a in zip(items, answers)]
    always_a = np.mean([i.answer == 'A' for i in items])
    return f"{wilson(sum(scores), len(scores))}, chance {np.mean([i.chance for i in items]):.3f}, always-A {always_a:.3f}, parse {np.mean([score_item(i, a)[1] for i, a in zip(items, answers)]):.3f}"

def described_words(n:int=100) -> str:
    "Held-out (and trained) families' words right in the base's own family descriptions of `n` test scenes."
    tested = scenes(DATA, 'test')[:n]
    answers = generate_answers(model, processor, [images(i) for i, _ in tested], [human(FAMILY_INSTRUCTION).value] * n, max_new_tokens=60, batch_size=64)
    by_name, got = {f['name']: f for f in FAMILY_LIST}, {True: [], False: []}
    for (_, attributes), answer in zip(tested, answers):
        for name, word in re.findall(r'the (\w+) is (\w+)', answer):
            f = by_name.get(name)
            if f and f['key'] in attributes: got[f['held_out']].append(word == f['groups'][attributes[f['key']]])
    return f"held-out {wilson(sum(got[True]), max(len(got[True]), 1))}, trained {wilson(sum(got[False]), max(len(got[False]), 1))}"

model, processor = LlavaForConditionalGeneration.from_pretrained(MODEL), AutoProcessor.from_pretrained(MODEL)
for p in model.model.vision_tower.parameters(): p.requires_grad_(False)
images = ImageCache(DATA)
stream = SkillStream(scenes(DATA, 'train'), images, preset, 11, 'full')
suite = sanity_items(DATA, ('fill',), 500, 0)
HELD, TRAINED = family_items(True, 400, 1), family_items(False, 400, 2)

def ask(items): return generate_answers(model, processor, [images(i.image) for i in items], [i.question for i in items],
                                        max_new_tokens=32 if FORM == 'chain' else 12, batch_size=64)

def chain_links(items, answers) -> str:
    "Under `chain`: the word the answer writes right, and the letter the one that says the written word."
    words, letters = [], []
    for item, answer in zip(items, answers):
        name = re.search(r'What is the (\w+)\?', item.question).group(1)
        written = re.search(rf'the {name} is (\w+)', answer)
        options = dict(re.findall(r'^([A-F])\. (\w+)$', item.question, re.M))
        truth = options[item.answer]
        words.append(bool(written) and written.group(1) == truth)
        if written and written.group(1) in options.values():
            letters.append(parse_answer_letter(answer, letters_for(item.options)) == {v: k for k, v in options.items()}[written.group(1)])
    return f"word {wilson(sum(words), len(words))}, letter follows the word {wilson(sum(letters), max(len(letters), 1))}"

def report(n:int, label:str):
    held, trained, world = HELD[:n], TRAINED[:n], suite['mcq'][:n] + suite['mcq_describe_only'][:n]
    answers = ask(held + trained + world)
    a, b, c = answers[:len(held)], answers[len(held):len(held) + len(trained)], answers[len(held) + len(trained):]
    print(label, '| held-out families MCQ', mcq_line(held, a), '| trained families MCQ', mcq_line(trained, b), '|',
          skill_scores(world, c), '| family words described:', described_words(), flush=True)
    if FORM == 'chain': print('   chain, held-out:', chain_links(held, a), '| trained:', chain_links(trained, b), flush=True)
    model.train()

class Probe(Callback):
    def after_step(self, model, step, history):
        if step % 500 == 0: report(200, f"step {step} loss {history[-1]['loss'] if history else None}")

print('families', FAMILIES, 'held out', sum(f['held_out'] for f in FAMILY_LIST), 'e.g.', FAMILY_LIST[3], flush=True)
report(200, 'step 0')
started = time.time()
train(model, stream, ChatCollator(processor), TrainConfig(epochs=1, batch_size=32, lr=LR, schedule='one-cycle', warmup=0.05, seed=0,
      log_every=100, shuffle=False), out=None, progress=False, callbacks=[Probe()])
print('train s', round(time.time() - started), flush=True)
report(400, 'final')
if len(sys.argv) > 7: model.save_pretrained(sys.argv[7]); processor.save_pretrained(sys.argv[7])
