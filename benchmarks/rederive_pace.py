"""Issue 17: how long would `medvlm pretrain --preset base` take on this machine? Without the two-hour run: the recipe's
loop timed for STEPS steps of every stage (the shipped base's weights, each stage's own stream and learning rate, two
threads as the preset sets them; the first SKIP steps of each left out), the vision stage for one of its epochs, and
one held-out measurement and one hold check. Each is multiplied by what the shipped run did (its stage steps, its
curve points and hold checks, `models/tiny-base/pretrain.json`) and printed beside that run's own seconds, then the
total against the 90-minute budget, then one JSON line.

    .venv/bin/python benchmarks/rederive_pace.py [--steps 40] [--skip 5] [--data /tmp/rederive/data/generic]

--data is the generic world (`medvlm synth generic --out DIR`, then DIR/generic). The pace is this machine's as it is
now: run it alone. The projection is of the shipped run's step counts; another machine rounds sums differently, and
its hold may need more or fewer steps (50_pretrain, "Three draws, three kinds of sums").

2026-12-07 (twenty-third session; AMD EPYC, AVX2 only, two threads, alone), defaults:

    warm 0.311 s a step (shipped run 0.158), hold 0.321 (0.170), full 0.428 (0.248), focus 0.381 (0.559),
    refocus 0.369 (0.401), values 0.355 (0.319); vision 136 s (47); 34 checks 37 s
    total projected 10,136 s (168.9 min) against the shipped run's 7,269 s (121.1 min): 1.39x, 1.88 of the budget

The vision figure counts the images' preparation once per epoch, which the stage does once: the whole stage, with the
tokenizer, took 80 s here in `numerics.py`, so the total is about a minute high.
"""
import argparse, json, time
from pathlib import Path

import torch

from medvlm.base.pretrain import (ImageCache, SkillStream, STAGES, LATER_STAGES, get_pretrain_preset, scenes, begun_model,
                                  pretrain_vision, scene_labels, skill_items, SkillCurve, LookupGate, lookup_checks, check_words)
from medvlm.model.collate import ChatCollator
from medvlm.model.train import TrainConfig, Callback, train

BASE = Path('models/tiny-base')


class StepClock(Callback):
    "The time at the end of every step."
    def __init__(self): self.at = []
    def after_step(self, model, step, history): self.at.append(time.perf_counter())


class Window:
    "`count` examples of `stream` from its middle: the stage as it runs once its curriculum is under way."
    def __init__(self, stream, count):
        self.stream, self.count, self.start = stream, count, max(len(stream) // 2 - count // 2, 0)
    def __len__(self): return self.count
    def __getitem__(self, i): return self.stream[self.start + i]


def stage_lr(preset, stage) -> float:
    "The peak learning rate `train_stages` gives `stage`."
    if stage in LATER_STAGES: return getattr(preset, LATER_STAGES[stage][1])
    return {'hold': preset.hold_lr, 'full': preset.full_lr or preset.lr}.get(stage, preset.lr)


def seconds_per_step(stream, preset, steps:int, skip:int) -> float:
    "Seconds a step of the recipe's loop takes on `stream`, from the shipped weights, the first `skip` steps left out."
    model, processor = begun_model(BASE)
    clock = StepClock()
    config = TrainConfig(epochs=1, batch_size=preset.batch_size, lr=stage_lr(preset, stream.stage), warmup=preset.warmup,
                         schedule='constant' if stream.stage == 'hold' else 'one-cycle', log_every=10**6, shuffle=False)
    train(model, Window(stream, (steps + skip) * preset.batch_size), ChatCollator(processor), config, progress=False,
          callbacks=[clock])
    return (clock.at[-1] - clock.at[skip - 1]) / (len(clock.at) - skip)


def vision_seconds(scene_list, images, preset) -> float:
    "Seconds of the vision stage: one epoch timed on the shipped tower, times the preset's epochs."
    model, processor = begun_model(BASE)
    tower = model.model.vision_tower
    for p in tower.parameters(): p.requires_grad_(True)
    started = time.perf_counter()
    pretrain_vision(tower, processor.image_processor, [images(p) for p, _ in scene_list], scene_labels(scene_list), epochs=1)
    return (time.perf_counter() - started) * preset.vision_epochs


def check_seconds(world, images, preset) -> tuple:
    "(seconds of one held-out measurement, seconds of one hold check) on the shipped weights."
    model, processor = begun_model(BASE)
    held_out = [item for items in skill_items(scenes(world, 'val'), preset.describe_only, preset.curve_items, 0).values()
                for item in items]
    curve = SkillCurve(1, held_out, processor, images)
    gate = LookupGate(1, preset.hold_until, lookup_checks(check_words(), preset.hold_items), processor)
    timed = []
    for callback in (curve, gate):
        started = time.perf_counter()
        callback.after_step(model, 1, [])
        timed.append(time.perf_counter() - started)
    return tuple(timed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=40)
    parser.add_argument('--skip', type=int, default=5)
    parser.add_argument('--data', default='/tmp/rederive/data/generic')
    args = parser.parse_args()
    if args.skip < 1: parser.error('--skip must be at least 1 (the first step allocates)')
    shipped = json.loads((BASE/'pretrain.json').read_text())
    preset, world = get_pretrain_preset('base'), Path(args.data)
    torch.set_num_threads(preset.threads)
    images, scene_list = ImageCache(world), scenes(world, 'train')
    rows, total = [], 0.0
    vision = vision_seconds(scene_list, images, preset)
    rows.append(('vision', preset.vision_epochs, vision, shipped['vision_seconds'])); total += vision
    for stage in STAGES:
        done = shipped['stage_steps'].get(stage, 0)
        if not done: continue
        pace = seconds_per_step(SkillStream(scene_list, images, preset, 0, stage), preset, args.steps, args.skip)
        rows.append((stage, done, pace * done, shipped['stage_seconds'][stage])); total += pace * done
        print(f"{stage}: {pace:.3f} s a step here, shipped run {shipped['stage_seconds'][stage] / done:.3f}", flush=True)
    curve_once, gate_once = check_seconds(world, images, preset)
    checks = curve_once * len(shipped['curve']) + gate_once * len(shipped['hold_checks'])
    rows.append(('checks', len(shipped['curve']) + len(shipped['hold_checks']), checks, None)); total += checks
    recorded = shipped['vision_seconds'] + shipped['train_seconds']
    print(f"\n| part | steps (epochs, checks) | projected here (s) | shipped run (s) |\n|---|---|---|---|")
    for name, count, here, then in rows:
        print(f"| {name} | {count:,} | {here:,.0f} | {'(in the stages)' if then is None else f'{then:,.0f}'} |")
    print(f"| total | | **{total:,.0f} ({total / 60:.1f} min)** | {recorded:,.0f} ({recorded / 60:.1f} min) |")
    print(f"\nbudget 90 min: projected {total / 60:.1f} min here ({total / 60 / 90:.2f} of it); "
          f"this machine runs the recipe at {total / recorded:.2f}x the shipped run's time "
          f"(the tokenizer's training and the final save are left out of both)")
    print(json.dumps({'projected_seconds': round(total, 1), 'shipped_seconds': recorded, 'threads': preset.threads,
                      'capability': torch.backends.cpu.get_cpu_capability(), 'steps_timed': args.steps,
                      'parts': {name: round(here, 1) for name, _, here, _ in rows}}))


if __name__ == '__main__':
    main()
