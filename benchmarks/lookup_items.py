"""The held-out lookup items of the issue-17 probes and how their answers are scored, shared by `lookup_probe.py`
(its own runs) and `lookup_checkpoint.py` (a pretraining checkpoint), so both measure the same thing."""
import numpy as np

from medvlm.base.pretrain import lookup_checks
from medvlm.data.benchmarks import letters_for, parse_answer_letter

OPTION_COUNTS = (2, 3, 4, 5)


def lookup_items(words:list, per_count:int=50, seed:int=99) -> list:
    """[(option count, question, right letter)]: `per_count` text-only items per option count, the options one word of
    `words` each, the right letter in turn at each position (the pretraining hold's `lookup_checks`, as tuples)."""
    return [(item.options, item.question, item.answer) for item in lookup_checks(words, per_count, seed)]


def parsed_lookup(answers:list, items:list) -> tuple:
    """({option count: accuracy of the parsed answers}, [right or not, for each item whose right letter is C or later]):
    the first-two-options shortcut scores 0 on the second, which tells it apart from a lookup."""
    right = [parse_answer_letter(a, letters_for(n)) == letter for a, (n, _, letter) in zip(answers, items)]
    by_count = {k: float(np.mean([r for r, (n, _, _) in zip(right, items) if n == k])) for k in OPTION_COUNTS}
    return by_count, [r for r, (_, _, letter) in zip(right, items) if letter not in 'AB']
