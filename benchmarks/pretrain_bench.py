"""Pretraining throughput (issue 17): the base recipe's training as `medvlm pretrain` runs it (the one loop, its
stream read in order, collation on the fly) beside a plain PyTorch loop over the same model and the same
examples (collate, forward, backward, clip, AdamW step — nothing else). Both sides are measured in one run,
repeats interleaved, best of each kept; prints samples/s and their ratio, then one JSON line.

    .venv/bin/python benchmarks/pretrain_bench.py [--steps 40] [--repeats 2] [--data data/synthetic/generic]

--data is the generic world (when it is missing a small one is written to a temporary folder). The examples are
the middle of the `base` preset's every-task stage (stage 3, with images: slower than the text-only warm-up).
"""
import argparse, json, tempfile, time
from dataclasses import replace
from pathlib import Path

import torch

from medvlm.model.collate import ChatCollator
from medvlm.base.pretrain import ImageCache, SkillStream, get_pretrain_preset, scenes, untrained_base, STAGES
from medvlm.synth.toolkit import SynthPreset
from medvlm.synth.generic import write_generic
from medvlm.model.train import TrainConfig, train


def recipe_loop(model, examples, collate, preset) -> float:
    "Samples/s of the loop `pretrain` uses, configured as the recipe configures it."
    config = TrainConfig(epochs=1, batch_size=preset.batch_size, lr=preset.lr, schedule='one-cycle', warmup=preset.warmup,
                         log_every=1000, shuffle=False)
    start = time.perf_counter()
    train(model, examples, collate, config, progress=False)
    return len(examples) / (time.perf_counter() - start)


def plain_loop(model, examples, collate, preset) -> float:
    "Samples/s of a plain PyTorch loop over the same batches."
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=preset.lr)
    model.train()
    start = time.perf_counter()
    for at in range(0, len(examples), preset.batch_size):
        loss = model(**collate(examples[at:at + preset.batch_size])).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step(); optimizer.zero_grad(set_to_none=True)
    return len(examples) / (time.perf_counter() - start)


def recipe_setup(world:Path, steps:int, spec:dict|None=None) -> tuple:
    "(untrained tiny base, processor, `steps` batches from the middle of the `base` preset's every-task stage)."
    preset = get_pretrain_preset('base')
    streams = [SkillStream(scenes(world, 'train'), ImageCache(world), preset, stage=stage) for stage in STAGES]
    model, processor = untrained_base(streams, preset if spec is None else replace(preset, spec=spec), count=2000)
    stream = streams[-1]
    middle = len(stream) // 2
    return model, processor, [stream[middle + i] for i in range(steps * preset.batch_size)]


def interleaved(sides:dict, model, repeats:int) -> dict:
    "{side: best samples/s} of each `sides[name]()` from the same initial weights, repeats interleaved (drift hits both)."
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    results = {side: [] for side in sides}
    for repeat in range(repeats):
        for side, run in sides.items():
            model.load_state_dict(initial)
            results[side].append(run())
            print(f'  repeat {repeat}: {side:8s} {results[side][-1]:7.1f} samples/s')
    return {side: max(rates) for side, rates in results.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=40, help='batches timed per loop (at least 40: fewer leave the recipe\'s '
                        'one-cycle warm-up, 5 %% of the steps, a step or less, and at 20 torch\'s OneCycleLR divides by zero)')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--data', type=Path, default=Path('data/synthetic/generic'))
    args = parser.parse_args()
    if args.steps < 40: parser.error(f'--steps {args.steps}: use at least 40 (a one-cycle warm-up of two steps or more)')
    world = args.data
    if not (world/'train.json').is_file():
        world = write_generic(Path(tempfile.mkdtemp())/'generic', 0, SynthPreset('bench', 0, 0, 0, generic=2000))
    preset = get_pretrain_preset('base')
    model, processor, examples = recipe_setup(world, args.steps)
    for p in model.model.vision_tower.parameters(): p.requires_grad_(False)     # frozen, as in the recipe
    collate = ChatCollator(processor)
    print(f'# pretraining throughput: tiny base ({sum(p.numel() for p in model.parameters()):,} parameters), '
          f'{len(examples)} examples of the base recipe, batch {preset.batch_size}, {torch.get_num_threads()} threads')
    best = interleaved({'recipe': lambda: recipe_loop(model, examples, collate, preset),
                        'plain': lambda: plain_loop(model, examples, collate, preset)}, model, args.repeats)
    hours = preset.steps * preset.batch_size / best['recipe'] / 3600
    print(f"recipe loop {best['recipe']:.1f} samples/s, plain loop {best['plain']:.1f} samples/s, "
          f"ratio {best['recipe'] / best['plain']:.2f}x; the base preset's {preset.steps:,} every-task steps at this rate: {hours * 60:.0f} min")
    print(json.dumps({'samples_per_s': {k: round(v, 1) for k, v in best.items()},
                      'ratio': round(best['recipe'] / best['plain'], 3), 'base_preset_minutes': round(hours * 60, 1)}))


if __name__ == '__main__':
    main()
