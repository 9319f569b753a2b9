"""Issue 17: what a base knows of each attribute of the generic world, read two ways on its first N `test` scenes:
'Describe the image.' (the share of descriptions that state the scene's value as '{value} {name}') and the world's
yes/no question on that attribute ('Is the object dotted?', 'yes' half of the time), each with n and a 95 % Wilson
interval. The `checked` probes and the `yesno-fill` diagnostic (`base_continue.py`) read beside it: a base can write
fill right in its description and still be unable to judge a fill word against the image.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/attribute_readouts.py MODEL WORLD [N]

2026-12-07 (twenty-first session), world `medvlm synth generic` (fingerprint 1704a1a6ef297a8d), N 300 (position: 160
scenes have it), describe / yes/no; the continued bases are `base_continue.py`'s (commands in its docstring):

    base                          colour       size         fill                          shape        position     count        background
    v18 (models/tiny-base)        1.000/0.973  0.997/0.973  0.967/0.497 [0.441, 0.553]    0.970/0.983  1.000/0.894  0.987/0.987  0.997/0.990
    checked, then checked-fill    1.000/1.000  0.987/0.990  0.973/0.540 [0.484, 0.596]    0.980/0.980  1.000/0.894  0.997/0.997  1.000/0.997
    yesno-fill (3,000 steps)      1.000/0.987  0.990/0.977  0.963/0.940 [0.907, 0.962]    0.980/0.983  1.000/0.887  1.000/0.993  1.000/0.993

v18 writes fill right in 29 descriptions of 30 and answers 'Is the object dotted?' at a coin's rate: the value word's
way out is learnt, a comparison of the word with the image is not. Six thousand five hundred steps of reports that
judge fill's words ('dotted fill: absent') did not make one; 3,000 steps of yes/no on fill did.
"""
import sys, torch
import numpy as np
from pathlib import Path
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.synth.tasks import human, SkillItem, score_item
from medvlm.synth.generic import GENERIC_VALUES, generic_yesno
from medvlm.base.pretrain import ImageCache, scenes
from medvlm.base.sanity import share_interval
from medvlm.model.collate import generate_answers
from medvlm.data.benchmarks import attribute_name

MODEL, WORLD = sys.argv[1], Path(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 300
torch.set_num_threads(2)
model, processor = LlavaForConditionalGeneration.from_pretrained(MODEL), AutoProcessor.from_pretrained(MODEL)
images, tested = ImageCache(WORLD), scenes(WORLD, 'test')[:N]

def ask(scene_list, questions, tokens): return generate_answers(model, processor, [images(image) for image, _ in scene_list],
                                                                [human(q).value for q in questions], max_new_tokens=tokens, batch_size=64)

def share(hits:list) -> str: return f"{sum(hits) / len(hits):.3f} (n {len(hits)}, 95 % {share_interval(sum(hits), len(hits))})"

descriptions = ask(tested, ['Describe the image.'] * len(tested), 40)
rng = np.random.default_rng(11)
for key in GENERIC_VALUES:
    having = [(scene, text) for scene, text in zip(tested, descriptions) if key in scene[1]]
    stated = [f"{attributes[key]} {attribute_name(key)}" in text for (_, attributes), text in having]
    asked = [generic_yesno(attributes, key, rng) for (_, attributes), _ in having]
    answers = ask([scene for scene, _ in having], [q for q, _ in asked], 4)
    right = [score_item(SkillItem('yesno', '', '', truth), answer)[0] == 1 for answer, (_, truth) in zip(answers, asked)]   # as the sanity suite scores
    print(f"{attribute_name(key)}: describe {share(stated)}; yes/no {share(right)}", flush=True)
print('e.g.', descriptions[:2])
