"""Issue 17: can the base copy a word it was never asked to copy? "Repeat: w1 w2 w3" (text only) over three kinds of
words: the made-up words the `copy` task trains on, the values of the trained attributes (colour, shape, …) and the
fill values (seen only as described words), and over the attribute names. The base's embeddings are untied, so a
word's way from input to output is learnt, not given: a chained answer that copies 'fill' or 'dotted' needs it.

    .venv/bin/python benchmarks/copy_words.py MODEL [N]

2026-12-07, 100 items of three words each (exact repeat):
  shipped v14 (models/tiny-base): made-up words 0.97, trained attribute values 0.00, fill values 0.00, attribute names 0.00
    ('yellow red yellow' -> 'fu plai skou', 'dotted hollow dotted' -> 'vaiglee')
  v14 + `base_continue.py noted-chain` 1,500 steps: 0.98, 0.00, 0.00, 0.00
  v14 + `base_continue.py described-chain-copy` 1,500 steps (the copy task half over the world's words): 0.96, 0.99, 0.67, 0.87
The copy the base learnt is a copy of the made-up words only: no word of the world's own comes back out. Trained
to repeat them, it does — and its chained answers still do not copy the fill from its own description
(`chain_steps.py`: 0.000 after "so the fill is").
"""
import sys
import numpy as np, torch
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.synth.tasks import train_words
from medvlm.synth.generic import GENERIC_VALUES
from medvlm.data.benchmarks import attribute_name
from medvlm.model.collate import generate_answers

model_dir, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
torch.set_num_threads(2)
model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir).eval(), AutoProcessor.from_pretrained(model_dir)
pools = {'made-up (copy task)': train_words()[:300],
         'trained attribute values': [v for k, values in GENERIC_VALUES.items() if k != 'fill' for v in values if ' ' not in v],
         'fill values': GENERIC_VALUES['fill'],
         'attribute names': ['colour', 'size', 'fill', 'shape', 'position', 'background']}
rng = np.random.default_rng(0)
for name, pool in pools.items():
    texts = [' '.join(pool[i] for i in rng.integers(len(pool), size=3)) for _ in range(n)]
    answers = generate_answers(model, processor, [None] * n, [f"Repeat: {t}" for t in texts], max_new_tokens=16, batch_size=50)
    exact = np.mean([a.strip() == t for a, t in zip(answers, texts)])
    print(f"{name}: exact repeat {exact:.2f} (n {n}); e.g. {texts[0]!r} -> {answers[0]!r}")
