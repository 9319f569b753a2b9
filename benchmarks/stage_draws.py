"""Issue 17: how far apart do two draws of one recipe stage land? v14 (commit 2bc444a's models/tiny-base) continued by
the base preset's `values` stage as `medvlm pretrain --preset base --start-from` runs it, but with the stage's examples
drawn under another key (`STAGE_KEYS['values']`: v17's was 5; the recipe's own since v18 is 7); then the paper's MCQ
and yes/no on 500 items each of the generic world's `val` scenes, by attribute. With KEY 7 and OUT a copy of the shipped
v18, nothing is trained: v18 is only measured. (OUT's pretrain.json records the recipe's hash, which the key patched
here does not change: keep such folders out of `models/`.)

2026-12-07 (nineteenth session; keys 5 and 6 run through a copy of this code before it landed, on the recipe of v17):

    key   val MCQ  position (n 54)  val yes/no  stage seconds
    5     0.964    0.685            0.970       (v17: 1,100 on the eighteenth session's machine)
    6     0.970    0.778            0.964       1,412 (partly beside another run)
    7     0.972    0.741            0.968         885

On the sanity suite (`ship_base` on OUT): key 6 MCQ 0.948, described-only 0.220, yes/no 0.964, spread 0.033; key 7
MCQ 0.950, described-only 0.256, yes/no 0.968, spread 0.026 — shipped as v18 (50_pretrain, section "Three draws, three kinds of sums").

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/stage_draws.py KEY OUT V14 WORLD

V14 is a copy of v14 (`for f in $(git ls-tree --name-only 2bc444a models/tiny-base/); do git show 2bc444a:$f > V14/$(basename $f); done`),
WORLD the generic world. The figures go to OUT.val.json too.
"""
import sys, json, importlib, torch
from pathlib import Path
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.synth.tasks import skill_items, score_item
from medvlm.base.sanity import attribute_scores

recipe = importlib.import_module('medvlm.base.pretrain')     # the module (the package exports a function of its name)
KEY, OUT, V14, WORLD = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
recipe.STAGE_KEYS['values'] = KEY
done = recipe.pretrain(OUT, WORLD, 'base', start_from=V14, progress=False)
processor, model = AutoProcessor.from_pretrained(OUT), LlavaForConditionalGeneration.from_pretrained(OUT).eval()
torch.set_num_threads(2)
suite = skill_items(recipe.scenes(WORLD, 'val'), ('fill',), 500, 0)
items = suite['mcq'] + suite['yesno']
scores = [score_item(item, answer)[0] for item, answer in zip(items, recipe.answer_items(model, processor, items, recipe.ImageCache(WORLD)))]
figures = {'key': KEY, 'stage_seconds': done['stage_seconds']['values']}
for skill in ('mcq', 'yesno'):
    skill_scores = [score for item, score in zip(items, scores) if item.skill == skill]
    figures[skill] = round(sum(skill_scores) / len(skill_scores), 4)
    figures[f'{skill} by attribute'] = attribute_scores(suite[skill], skill_scores)   # n, score and 95 % interval each
print(json.dumps(figures), flush=True)
OUT.with_name(OUT.name + '.val.json').write_text(json.dumps(figures, indent=1))
