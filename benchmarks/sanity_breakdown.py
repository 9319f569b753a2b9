"""Issue 17: where the shipped base's MCQ misses, read from its own sanity.json (no model asked): accuracy by the
correct letter within each attribute asked, and what each letter would score if every attribute kept its accuracy.

    .venv/bin/python benchmarks/sanity_breakdown.py data/synthetic/generic      # the default generic world

2026-12-06 (v10): within colour and object count every letter scores 0.90–1.00; the fifth letter, E, is asked only
on colour (9 items, all right) and shape (19, 0.21), so its low score is shape's.
"""
import sys, collections
from pathlib import Path
from medvlm.core.records import read_json
from medvlm.base.sanity import SHIPPED_BASE, sanity_items, asked_attribute

world = Path(sys.argv[1])
pretrained, report = read_json(SHIPPED_BASE/'pretrain.json'), read_json(SHIPPED_BASE/'sanity.json')
suite = sanity_items(world, pretrained['preset']['describe_only'], report['per_skill'], report['seed'])
scored = list(zip(suite['mcq'], report['item_scores']['mcq']))
cells = collections.defaultdict(list)
for item, score in scored: cells[item.answer, asked_attribute(item.question)].append(score)
accuracy = {a: row['score'] for a, row in report['by_attribute']['mcq'].items()}     # kept in the report
for letter in sorted({item.answer for item, _ in scored}):
    mine = [(item, s) for item, s in scored if item.answer == letter]
    expected = sum(accuracy[asked_attribute(i.question)] for i, _ in mine) / len(mine)
    print(letter, f"observed {sum(s for _, s in mine) / len(mine):.3f}, from its attributes {expected:.3f};",
          '; '.join(f"{a} {sum(v) / len(v):.2f} (n {len(v)})" for (l, a), v in sorted(cells.items()) if l == letter))
