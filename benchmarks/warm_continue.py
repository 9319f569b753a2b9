"""Issue 17, the experiment behind v8's hold: continue a warm-up checkpoint of an interrupted `medvlm pretrain` (its work
folder, `<out>.work`, at step 10,000) at a constant learning rate, from its optimiser moments, on more of the warm-up's
stream, and print the lookup over unseen words every `every` steps (the probes' items, 2/3/4/5 options).

    .venv/bin/python benchmarks/warm_continue.py WORK SEED LR EXTRA_STEPS EVERY
    .venv/bin/python benchmarks/warm_continue.py runs/base/base.work 0 3e-4 4000 500

Run 2026-12-05 on v7's seed-0 and seed-1 warm-ups at lr 3e-4 (one thread each, the two side by side): the lookup formed
on both, 0.86/0.22/0.48/0.38 -> 1.00/0.90/0.78/0.66 (seed 0) and 0.78/0.30/0.34/0.26 -> 0.92/0.86/0.64/0.50 (seed 1)
from step 10,000 to 12,000 (the table in 50_pretrain, "The hold"). Written for v7's layout (`warm/checkpoints`); with
v8 the hold itself does this.
"""
import sys, dataclasses, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.synth.tasks import novel_words
from medvlm.model.collate import generate_answers, ChatCollator
from medvlm.base.pretrain import SkillStream, get_pretrain_preset, scenes, ImageCache
from lookup_items import lookup_items, parsed_lookup
torch.set_num_threads(1)
work, seed, lr, extra, every = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
start = 10000
model = LlavaForConditionalGeneration.from_pretrained(work/'stage1')
processor = AutoProcessor.from_pretrained(work/'stage1')
saved = torch.load(work/f'warm/checkpoints/step-{start}/state.pt', weights_only=False)
model.load_state_dict(saved['trainable'], strict=False)
for p in model.model.vision_tower.parameters(): p.requires_grad_(False)
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=lr)
opt.load_state_dict(saved['optimizer'])
for g in opt.param_groups: g['lr'] = lr
preset = dataclasses.replace(get_pretrain_preset('base'), warm_steps=start + extra)
world = Path('data/synthetic/generic')
stream = SkillStream(scenes(world, 'train'), ImageCache(world), preset, seed, 'warm')
collate = ChatCollator(processor)
items = lookup_items(novel_words())
def probe(step):
    model.eval()
    with torch.no_grad():
        answers = generate_answers(model, processor, [None] * len(items), [q for _, q, _ in items], max_new_tokens=16, batch_size=100)
    by_count, late = parsed_lookup(answers, items)
    print(f"step {step}: lookup {'/'.join(f'{v:.2f}' for v in by_count.values())}, C-or-later {np.mean(late):.2f}", flush=True)
    model.train()
probe(start)
t0, losses = time.time(), []
for k in range(extra):
    i0 = (start + k) * 32
    batch = collate([stream[i0 + j] for j in range(32)])
    torch.manual_seed(k)
    loss = model(**batch).loss
    loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step(); opt.zero_grad(set_to_none=True)
    losses.append(loss.item())
    if (k + 1) % every == 0:
        print(f"  loss {np.mean(losses[-every:]):.4f}  {time.time()-t0:.0f}s", flush=True)
        probe(start + k + 1)
