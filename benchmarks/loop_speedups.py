"""Issue 17: what could a faster loop save on the base recipe's steps? Side by side in one run, on the same 22 batches of
one stage's stream (its middle; the shipped base's weights; two threads), repeats interleaved, best kept: a training
step (forward, backward, clip, AdamW) as the recipe runs it (SDPA attention, logits at every position) beside the
same step with eager attention, with logits only where a label is (the answer tokens: the loss is the same mean over
the same tokens), and with both; and the seconds of drawing and collating a batch, which a second process could hide.
Prints seconds per step and the ratio to the recipe's step, then one JSON line.

    .venv/bin/python benchmarks/loop_speedups.py STAGE [--repeats 2] [--data /tmp/rederive/data/generic]

STAGE is one of the recipe's stages (`warm`: text only; `full`: every task, with images). None of these changes the
recipe's learning, but each sums in another order, so a recipe that used them would be another draw (50_pretrain).

2026-12-07 (twenty-third session; AMD EPYC, AVX2 only, two threads, alone), --repeats 3 (eager attention,
answer-only logits, both; drawing and collating a batch):

    full: 0.99x, 1.22x, 1.20x; 0.060 s (13 % of a step)
    warm: 1.05x, 0.96x, 0.98x; 0.038 s (14 %)

A draft of this script (the same steps, in /tmp) and one run of it, both with --repeats 2, read full 0.97-1.03x,
1.08-1.13x, 1.10-1.13x and warm 1.09-1.12x, 0.99-1.16x, 1.16-1.32x: the
machine's noise is about as large as the gains.
"""
import argparse, json, time
from pathlib import Path

import torch

from medvlm.base.pretrain import ImageCache, SkillStream, STAGES, get_pretrain_preset, scenes, begun_model
from medvlm.model.collate import ChatCollator

BASE = Path('models/tiny-base')
WARM_BATCHES, TIMED_BATCHES = 3, 22


def recipe_loss(model, batch):
    "The loss as the recipe computes it: logits at every position, transformers' shifted mean."
    return model(**batch).loss


def answer_only_loss(model, batch):
    "The same mean over the same answer tokens, the output head applied only where a label is."
    hidden = model.model(**{k: v for k, v in batch.items() if k != 'labels'}).last_hidden_state[:, :-1]
    labels = batch['labels'][:, 1:]
    kept = labels != -100
    return torch.nn.functional.cross_entropy(model.lm_head(hidden[kept]).float(), labels[kept])


def step_seconds(model, loss_of, batches) -> float:
    "Seconds a step takes on `batches`, after `WARM_BATCHES` untimed ones."
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-5)
    def step(batch):
        loss_of(model, batch).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0); optimizer.step(); optimizer.zero_grad(set_to_none=True)
    for batch in batches[:WARM_BATCHES]: step(batch)
    started = time.perf_counter()
    for batch in batches[WARM_BATCHES:]: step(batch)
    return (time.perf_counter() - started) / (len(batches) - WARM_BATCHES)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('stage', choices=STAGES)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--data', default='/tmp/rederive/data/generic')
    args = parser.parse_args()
    preset, world = get_pretrain_preset('base'), Path(args.data)
    torch.set_num_threads(preset.threads)
    stream = SkillStream(scenes(world, 'train'), ImageCache(world), preset, 0, args.stage)
    models = {}
    for attention in ('sdpa', 'eager'):
        model, processor = begun_model(BASE)
        model.set_attn_implementation(attention)
        models[attention] = model.train()
    collate, size, start = ChatCollator(processor), preset.batch_size, len(stream) // 2
    started = time.perf_counter()
    batches = [collate([stream[start + b * size + i] for i in range(size)]) for b in range(WARM_BATCHES + TIMED_BATCHES)]
    preparing = (time.perf_counter() - started) / len(batches)
    with torch.no_grad():                                  # the two losses are one figure
        same = [recipe_loss(models['sdpa'], batches[0]).item(), answer_only_loss(models['sdpa'], batches[0]).item()]
    variants = {'recipe (sdpa, every logit)': ('sdpa', recipe_loss), 'eager attention': ('eager', recipe_loss),
                'answer-only logits': ('sdpa', answer_only_loss), 'both': ('eager', answer_only_loss)}
    best = {}
    for _ in range(args.repeats):
        for name, (attention, loss_of) in variants.items():
            best[name] = min(best.get(name, float('inf')), step_seconds(models[attention], loss_of, batches))
    recipe = best['recipe (sdpa, every logit)']
    print(f"{args.stage}: loss on the first batch {same[0]:.9f} (recipe) and {same[1]:.9f} (answer-only logits)")
    for name, seconds in best.items(): print(f"  {name}: {seconds:.3f} s a step, {recipe / seconds:.2f}x")
    print(f"  drawing and collating a batch: {preparing:.3f} s ({preparing / (recipe + preparing):.0%} of a step with it)")
    print(json.dumps({'stage': args.stage, 'seconds': {k: round(v, 4) for k, v in best.items()},
                      'prepare_seconds': round(preparing, 4), 'capability': torch.backends.cpu.get_cpu_capability()}))


if __name__ == '__main__':
    main()
