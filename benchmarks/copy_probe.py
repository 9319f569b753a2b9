"""Probe (issue 17): does the tiny base learn the `copy` (induction) task alone, and how fast? Trains the base
preset's architecture on `copy` over the 240 one-token core words for 1,200 steps of batch 32 and prints the
exact-repeat rate on 64 held-out sequences every 300 steps (50_pretrain quotes its figures).

    .venv/bin/python benchmarks/copy_probe.py LR VOCAB      # e.g. 3e-3 1536 (about 4 minutes on one thread)
"""
import sys, numpy as np, torch
from medvlm.synth.tasks import task_copy, core_words
from medvlm.model.tiny_base import TinyBaseSpec, build_tiny_base
from medvlm.model.collate import ChatCollator, ChatExample, generate_answers
from medvlm.model.train import TrainConfig, Callback, train
torch.set_num_threads(1)
lr, vocab = float(sys.argv[1]), int(sys.argv[2])
w = core_words()
class Stream:
    def __len__(self): return 1200 * 32
    def __getitem__(self, i): return ChatExample(None, task_copy(np.random.default_rng([0, i]), {}, words=w)[1])
s = Stream()
model, proc = build_tiny_base([t.value for i in range(3000) for t in s[i].turns] + w, TinyBaseSpec(vocab_size=vocab))
tests = [task_copy(np.random.default_rng([9, i]), {}, words=w)[1] for i in range(64)]
class Probe(Callback):
    def after_step(self, m, step, h):
        if step % 300 == 0:
            out = generate_answers(m, proc, [None] * 64, [t[0].value for t in tests], max_new_tokens=16, batch_size=64)
            print(f"lr {lr} vocab {vocab} step {step} copy {np.mean([o.strip() == t[1].value for o, t in zip(out, tests)]):.2f} loss {h[-1]['loss'] if h else None}", flush=True); m.train()
train(model, s, ChatCollator(proc), TrainConfig(epochs=1, batch_size=32, lr=lr, schedule='one-cycle', warmup=0.05, log_every=50, shuffle=False), callbacks=[Probe()], progress=False)
