"""Issue 17: does the shipped base learn MCQ when MCQ is most of the data? Continue its weights for `steps` optimiser steps
on a given task mix (no warm-up stage) and print the held-out curve (64 `val` items per skill every `every` steps).

    .venv/bin/python benchmarks/mcq_continue.py '{"name":"F1","model":"models/tiny-base","steps":1000,"every":250,"lr":3e-4,"mix":{"mcq":0.6,"lookup":0.2,"stated":0.2}}'

F1 (2026-12-04, base v4, one shared core, 11 min): MCQ 0.38/0.34/0.47/0.45 and lookup_novel 0.42/0.41/0.41/0.42 at
steps 250/500/750/1,000 (v4's own curve at 12,000: MCQ 0.34 on 500 items) — more MCQ data alone does not close the gap.
"""
import sys, json, time, dataclasses, torch
from pathlib import Path
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.base.pretrain import get_pretrain_preset, SkillStream, ImageCache, scenes, SkillCurve
from medvlm.synth.tasks import skill_items
from medvlm.model.collate import ChatCollator
from medvlm.model.train import TrainConfig, train
torch.set_num_threads(1)
cfg = json.loads(sys.argv[1])
model_dir, data = Path(cfg['model']), Path(cfg.get('data', 'data/synthetic/generic'))
preset = dataclasses.replace(get_pretrain_preset('base'), steps=cfg['steps'], warm_steps=0, mix=cfg['mix'], lr=cfg['lr'])
model, processor = LlavaForConditionalGeneration.from_pretrained(model_dir), AutoProcessor.from_pretrained(model_dir)
for p in model.model.vision_tower.parameters(): p.requires_grad_(False)
images = ImageCache(data)
stream = SkillStream(scenes(data, 'train'), images, preset, seed=cfg.get('seed', 7))
held = [i for items in skill_items(scenes(data, 'val'), preset.describe_only, 64, 0).values() for i in items]
curve = SkillCurve(cfg['every'], held, processor, images)
t = time.time()
train(model, stream, ChatCollator(processor), TrainConfig(epochs=1, batch_size=32, lr=cfg['lr'], schedule='one-cycle', warmup=0.05,
      log_every=50, shuffle=False), callbacks=[curve], progress=False)
for p in curve.points: print(cfg.get('name'), p, flush=True)
print('seconds', time.time() - t)
