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

FORM: `direct` answers the family MCQs as the paper does ("The correct answer is B."); `chain` through the asked family's
phrase ("the treest is reihoon. The correct answer is B."); `chain+` as `chain`, with 8 % of the stream text-only MCQs
over a fresh made-up name stated first ("The zorp is blick.") answered through the same chain, so the first link (copy
the asked name) is trained over any name. `family_links.py` reads the chained bases link by link.

    cd /tmp && OMP_NUM_THREADS=2 /work/main/.venv/bin/python -u /work/main/benchmarks/families_probe.py FORM FAMILIES STEPS LR WORLD MODEL [OUT]

2026-12-07 (twenty-second session), world /tmp/rederive/data/generic (`medvlm synth generic`), from v18, alone on this
2-core machine; final figures on 400 items (sanity MCQ and described-only on 400 each):
    families_probe.py direct 48 4000 5e-4 … /tmp/p22/fam48-model         (1,176 s of training)
        held-out families MCQ 0.357 [0.312, 0.406] (chance 0.387, always-A 0.383); trained families 0.695 [0.648, 0.738]
        held-out words right in its own family descriptions 1.000 (n 64); MCQ 0.958, described-only 0.278
        (every 500 steps: held-out 0.35, 0.35, 0.32, 0.37, 0.35, 0.29, 0.33, 0.33; trained 0.47 -> 0.70)
    families_probe.py chain 48 4000 5e-4 … /tmp/p22/chain48-model         (1,175 s)
        held-out 0.330 [0.286, 0.378]; trained 0.828 [0.787, 0.861]; held-out described 1.000 (n 41); MCQ 0.948, described-only 0.260
    families_probe.py chain+ 48 5000 5e-4 … /tmp/p22/chainplus48-model    (1,570 s)
        held-out 0.362 [0.317, 0.411]; trained 0.795 [0.753, 0.832]; held-out described 0.857 (n 42); MCQ 0.950, described-only 0.263
    families_probe.py chain+ 192 5000 5e-4 … /tmp/p22/chainplus192-model  (1,612 s; 48 families held out)
        held-out 0.420 [0.373, 0.469] (chance 0.409); trained 0.545 [0.496, 0.593] (chance 0.371); held-out described 0.987 (n 150)
        chained answers with the asked name and its right word: held-out 0.573, trained 0.770; MCQ 0.943, described-only 0.250
    families_probe.py chain+ 192 5000 5e-4 … /tmp/p22/chainplus192-model /tmp/p22/chainplus192b-model   (5,000 more, the same draws; 1,708 s)
        held-out 0.500 [0.451, 0.549] (chance 0.409, always-A 0.398); trained 0.665 [0.617, 0.709]; held-out described 0.965 (n 144)
        chained answers with the asked name and its right word: held-out 0.782, trained 0.945; MCQ 0.950, described-only 0.268
"""
import sys, re, time, dataclasses
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
import families
from families import FAMILY_INSTRUCTION, make_families, family_mcq, family_items, letter_of, name_of, options_of, wilson
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
import medvlm.synth.tasks as tasks
from medvlm.synth.tasks import mcq_turns, human, score_item
from medvlm.core.records import Turn
from medvlm.data.benchmarks import letters_for, parse_answer_letter
from medvlm.base.pretrain import SkillStream, get_pretrain_preset, ImageCache, scenes, skill_scores
from medvlm.base.sanity import sanity_items
from medvlm.model.collate import ChatCollator, generate_answers
from medvlm.model.train import TrainConfig, train, Callback

FORM, FAMILIES, STEPS, LR, DATA = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), Path(sys.argv[5])
MODEL = sys.argv[6] if len(sys.argv) > 6 else '/work/main/models/tiny-base'
assert FORM in ('direct', 'chain', 'chain+'), f"FORM is 'direct', 'chain' or 'chain+', not {FORM!r}"
torch.set_num_threads(2)
FAMILY_LIST = make_families(FAMILIES)
CHAIN = FORM.startswith('chain')

def present(attributes, held_out=None) -> list: return families.present(FAMILY_LIST, attributes, held_out)

def task_family_describe(rng, attributes, **_):
    "'Describe the image in family words.' → up to five families the scene has, held-out ones included, name first."
    found = present(attributes)
    picked = [found[i] for i in rng.permutation(len(found))[:5]]
    return True, [human(FAMILY_INSTRUCTION), Turn('gpt', ', '.join(f"the {f['name']} is {f['groups'][attributes[f['key']]]}" for f in picked))]

def task_family_mcq(rng, attributes, **_):
    found = present(attributes, False)
    return True, family_mcq(rng, attributes, found[rng.integers(len(found))], CHAIN)[0]

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

def task_stated_chain(rng, attributes, words, n_max=6, **_):
    "Text only: a made-up name's value stated, then the paper's MCQ on it answered through the chain ('the zorp is blick. The correct answer is B.')."
    n = int(rng.integers(2, n_max + 1))
    name, options = tasks.phrase(rng, words, 1), tasks.distinct_phrases(rng, words, n, 1)
    at = int(rng.integers(n))
    turns = mcq_turns(f"What is the {name}?", options, at, False, f"The {name} is {options[at]}.\n")
    return False, [turns[0], Turn('gpt', f"the {name} is {options[at]}. {turns[1].value}")]

tasks.TASKS.update({'stated-chain': task_stated_chain, 'fam-describe': task_family_describe, 'fam-mcq': task_family_mcq, 'fam-yesno': task_family_yesno,
                    'fam-open': task_family_open})
base = get_pretrain_preset('base')
mix = {**{k: v * 0.5 for k, v in base.values_mix.items()}, 'fam-describe': 0.2, 'fam-mcq': 0.17, 'fam-yesno': 0.08, 'fam-open': 0.05}
if FORM == 'chain+':   # the chain's links over fresh made-up names: copy the asked name, match the written word against the options
    mix = {**{k: v * 0.5 for k, v in base.values_mix.items()}, 'fam-describe': 0.18, 'fam-mcq': 0.15, 'fam-yesno': 0.06, 'fam-open': 0.03,
           'stated-chain': 0.08}
preset = dataclasses.replace(base, steps=STEPS, mix=mix)

def mcq_line(items, answers) -> str:
    scored = [score_item(i, a) for i, a in zip(items, answers)]
    always_a = np.mean([i.answer == 'A' for i in items])
    return f"{wilson(sum(s for s, _ in scored), len(scored))}, chance {np.mean([i.chance for i in items]):.3f}, always-A {always_a:.3f}, parse {np.mean([p for _, p in scored]):.3f}"

def described_words(n:int=100) -> str:
    "Held-out (and trained) families' words right in the base's own family descriptions of `n` test scenes."
    tested = TEST_SCENES[:n]
    answers = generate_answers(model, processor, [images(i) for i, _ in tested], [human(FAMILY_INSTRUCTION).value] * n, max_new_tokens=60, batch_size=64)
    by_name, got = {f['name']: f for f in FAMILY_LIST}, {True: [], False: []}
    for (_, attributes), answer in zip(tested, answers):
        for name, word in re.findall(r'the (\w+) is (\w+)', answer):
            f = by_name.get(name)
            if f and f['key'] in attributes: got[f['held_out']].append(word == f['groups'][attributes[f['key']]])
    return f"held-out {wilson(sum(got[True]), len(got[True]))}, trained {wilson(sum(got[False]), len(got[False]))}"

model, processor = LlavaForConditionalGeneration.from_pretrained(MODEL), AutoProcessor.from_pretrained(MODEL)
for p in model.model.vision_tower.parameters(): p.requires_grad_(False)
images = ImageCache(DATA)
stream = SkillStream(scenes(DATA, 'train'), images, preset, 11, 'full')
suite = sanity_items(DATA, ('fill',), 500, 0)
TEST_SCENES = scenes(DATA, 'test')   # read once: every probe uses them
HELD, TRAINED = (family_items(FAMILY_LIST, TEST_SCENES, held_out, 400, seed) for held_out, seed in ((True, 1), (False, 2)))

def ask(items): return generate_answers(model, processor, [images(i.image) for i in items], [i.question for i in items],
                                        max_new_tokens=32 if CHAIN else 12, batch_size=64)

def chain_links(items, answers) -> str:
    "Under `chain`: the word the answer writes right, and the letter the one that says the written word."
    words, letters = [], []
    for item, answer in zip(items, answers):
        written, options = re.search(rf'the {name_of(item)} is (\w+)', answer), options_of(item)
        truth = options[item.answer]
        words.append(bool(written) and written.group(1) == truth)
        if written and written.group(1) in options.values():
            letters.append(parse_answer_letter(answer, letters_for(item.options)) == letter_of(item, written.group(1)))
    return f"word {wilson(sum(words), len(words))}, letter follows the word {wilson(sum(letters), len(letters))}"

def report(n:int, label:str):
    held, trained, world = HELD[:n], TRAINED[:n], suite['mcq'][:n] + suite['mcq_describe_only'][:n]
    answers = ask(held + trained + world)
    a, b, c = answers[:len(held)], answers[len(held):len(held) + len(trained)], answers[len(held) + len(trained):]
    print(label, '| held-out families MCQ', mcq_line(held, a), '| trained families MCQ', mcq_line(trained, b), '|',
          skill_scores(world, c), '| family words described:', described_words(), flush=True)
    if CHAIN: print('   chain, held-out:', chain_links(held, a), '| trained:', chain_links(trained, b), flush=True)
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
for item, answer in zip(HELD[:6], ask(HELD[:6])): print('held-out:', item.question.splitlines()[1:], item.answer, '|', answer)
if len(sys.argv) > 7: model.save_pretrained(sys.argv[7]); processor.save_pretrained(sys.argv[7])
