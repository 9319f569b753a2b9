"""The made-up attribute families of the issue-17 families probes (`families_probe.py`, `family_links.py`): each family
takes one trained attribute of the generic world (never fill), splits its values into 2-4 groups and names the family
and each group with made-up words ("the glorb is teem" = the colour is red or orange). Every fourth family is held out:
only ever described."""
import re
import numpy as np
from medvlm.base.sanity import share_interval
from medvlm.core.records import Turn
from medvlm.data.benchmarks import letters_for
from medvlm.synth.generic import GENERIC_VALUES
from medvlm.synth.tasks import SkillItem, mcq_turns, word_pool, world_words, train_words, novel_words, core_words

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
        cuts = sorted(rng.choice(np.arange(1, len(values)), g - 1, replace=False))
        groups = np.split(np.array(values, dtype=object), cuts)
        words = [next(pool) for _ in groups]
        families.append({'name': next(pool), 'key': key, 'words': words, 'held_out': f % 4 == 3,
                         'groups': {v: w for w, group in zip(words, groups) for v in group}})
    return families

def present(families:list, attributes:dict, held_out=None) -> list:
    "The families the scene has a value for (only the held-out ones, or only the trained ones, when `held_out` is given)."
    return [f for f in families if f['key'] in attributes and (held_out is None or f['held_out'] == held_out)]

def family_mcq(rng, attributes:dict, family:dict, chain:bool=False) -> tuple:
    "(turns, letter, option count): the paper's MCQ on `family`, every group word an option, shuffled; answered through 'the {name} is {word}.' when `chain`."
    options = [family['words'][i] for i in rng.permutation(len(family['words']))]
    truth = family['groups'][attributes[family['key']]]
    at = options.index(truth)
    turns = mcq_turns(f"What is the {family['name']}?", options, at)
    if chain: turns[1] = Turn('gpt', f"the {family['name']} is {truth}. {turns[1].value}")
    return turns, letters_for(len(options))[at], len(options)

def family_items(families:list, scene_list:list, held_out:bool, n:int, seed:int) -> list:
    "`n` MCQ SkillItems on `scene_list` about held-out (or trained) families."
    rng, items = np.random.default_rng(seed), []
    for image, attributes in scene_list:
        found = present(families, attributes, held_out)
        if not found: continue
        turns, letter, count = family_mcq(rng, attributes, found[rng.integers(len(found))])
        items.append(SkillItem('mcq', image, turns[0].value, letter, count, 1 / count))
        if len(items) == n: break
    return items

def options_of(item) -> dict:
    "{letter: word} of a family MCQ item."
    return dict(re.findall(r'^([A-F])\. (\w+)$', item.question, re.M))

def letter_of(item, word:str) -> str:
    "The letter of the option of a family MCQ item that says `word`."
    return {v: k for k, v in options_of(item).items()}[word]

def name_of(item) -> str:
    "The family a family MCQ item asks about."
    return re.search(r'What is the (\w+)\?', item.question).group(1)

def wilson(k:float, n:int) -> str:
    "k/n with its 95 % Wilson interval (the sanity report's `share_interval`) and n."
    if n == 0: return "– (n 0)"
    low, high = share_interval(k, n)
    return f"{k / n:.3f} [{low:.3f}, {high:.3f}] (n {n})"
