"""Probe (issue 17): the option lookup over unseen words, measured on a checkpoint of an interrupted or running
`medvlm pretrain` (its work folder, `<out>.work`), the way `lookup_probe.py` measures its own runs: 50 text-only items
per option count (2/3/4/5), the options one unseen word each, the right letter in turn at each position, answered by
greedy generation and parsed. "C-or-later" is the share right when the answer is C or later, which the
first-two-options shortcut gets wrong; "one letter always" scores 0.50/0.34/0.26/0.20 (chance).

    .venv/bin/python benchmarks/lookup_checkpoint.py runs/base/base.work            # its newest checkpoint
    .venv/bin/python benchmarks/lookup_checkpoint.py runs/base/base.work warm/checkpoints/step-6000
"""
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoProcessor, LlavaForConditionalGeneration

from medvlm.synth.tasks import novel_words
from medvlm.model.collate import generate_answers
from lookup_items import lookup_items, parsed_lookup

torch.set_num_threads(1)
work = Path(sys.argv[1])
newest = sorted([*work.glob('checkpoints/step-*'), *work.glob('*/checkpoints/step-*')], key=lambda p: p.stat().st_mtime)  # one stage or several
found = [work/sys.argv[2]] if len(sys.argv) > 2 else newest[-1:]
if not found or not (found[0]/'state.pt').is_file(): sys.exit(f"{work}: no checkpoint (state.pt) found")
model = LlavaForConditionalGeneration.from_pretrained(work/'stage1')
processor = AutoProcessor.from_pretrained(work/'stage1')
model.load_state_dict(torch.load(found[0]/'state.pt', weights_only=False)['trainable'], strict=False)
model.eval()

items = lookup_items(novel_words())
answers = generate_answers(model, processor, [None] * len(items), [q for _, q, _ in items], max_new_tokens=16, batch_size=100)
by_count, late = parsed_lookup(answers, items)
print(f"{found[0].relative_to(work)}: lookup over unseen words {'/'.join(f'{v:.2f}' for v in by_count.values())} "
      f"(2/3/4/5 options), C-or-later {np.mean(late):.2f}")
