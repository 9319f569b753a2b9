"""Issue 17: which of the machine's numeric paths decide a run of the base recipe? The recipe's vision stage and the
first STEPS steps of its warm-up (base preset, seed 0, two threads), under whatever the environment sets; prints the
CPU capability torch dispatches to, the vision stage's figures, the warm-up's logged losses and a digest of the weights,
so that two machines, or two settings on one, can be compared figure for figure with each other and with the shipped
run's log (`models/tiny-base/pretrain.json`: `vision`, `history`).

    OMP_NUM_THREADS=2 [SETTINGS] .venv/bin/python benchmarks/numerics.py WORK WORLD [STEPS]

WORK is a fresh folder; WORLD the generic world (`medvlm synth generic --out DIR`, then DIR/generic). The settings
tried: `ATEN_CPU_CAPABILITY` (torch's own vectorised kernels: avx512, avx2, default), `MKL_CBWR` (MKL's code branch:
only AUTO and COMPATIBLE hold on CPUs not made by Intel), `ONEDNN_MAX_CPU_ISA`, and `NO_MKLDNN=1` (this script turns
oneDNN off, so the vision tower's patch convolution runs through MKL too).

2026-12-07 (nineteenth session; AMD EPYC with AVX-512, two threads), STEPS 400; vision position accuracy (the figure
that moves; the other six read 0.988-1.000 everywhere), losses at steps 300 and 400 (100 and 200 agree to six digits
everywhere: 5.937776, 4.372598), seconds for the 400 steps:

    run                                                     position  loss 300   loss 400   seconds
    shipped log (the machine that trained v10)                0.6628  3.016195   2.626951         -
    as the machine is (AVX512)                                0.7816  3.016194   2.624282      82.9
    ATEN avx2, MKL_CBWR=AVX2, oneDNN AVX2                     0.7044  3.016193   2.633224      79.4
    portable: ATEN avx2, MKL_CBWR=COMPATIBLE, oneDNN off      0.6641  3.016197   2.625845     156.3  (digest 1d2fb52d612139df)

Each path moves the run: the vision stage's position readout lands anywhere in 0.66-0.78 and the warm-up parts in
the seventh digit by step 300 — the same recipe, seed and batches, summed in other orders. The only setting MKL
promises to repeat on every x86 CPU (COMPATIBLE, SSE2 without approximate reciprocals) costs 1.9x the warm-up's time,
which no recipe of the base's size can spend within 90 minutes; whether it does repeat on another CPU is what its
digest is for (run the same line there). This script, rerun with the portable settings beside `make test`, printed the
same figures and digest (532 s and 482 s for the two parts with the cores shared).

2026-12-07 (twenty-third session; AMD EPYC with AVX2 only, two threads, alone), STEPS 400 (seconds: vision, warm-up):

    run                                                     position  loss 300   loss 400   seconds       digest
    as the machine is (AVX2)                                  0.7562  3.016193   2.633224    80.4, 119.4  d1206f0b4148d9ea
    ATEN avx2, MKL_CBWR=AVX2, ONEDNN_MAX_CPU_ISA=AVX2         0.7044  3.016193   2.633224    79.2, 119.5  4c43e3786b9c03cd
    portable: ATEN avx2, MKL_CBWR=COMPATIBLE, NO_MKLDNN=1     0.6641  3.016197   2.625845   176.1, 286.6  1d2fb52d612139df

The portable run repeats the AVX-512 machine's digest byte for byte; the AVX2-held run its six figures (its digest
was not recorded there), at no cost on either machine.
"""
import sys, os, time, hashlib, torch
from pathlib import Path
from medvlm.base.pretrain import get_pretrain_preset, ImageCache, SkillStream, STAGES, scenes, _stage1
from medvlm.model.collate import ChatCollator
from medvlm.model.train import TrainConfig, train, Callback

WORK, WORLD = Path(sys.argv[1]), Path(sys.argv[2])
STEPS = int(sys.argv[3]) if len(sys.argv) > 3 else 400
torch.set_num_threads(2)
if os.environ.get('NO_MKLDNN'): torch.backends.mkldnn.enabled = False
print('capability', torch.backends.cpu.get_cpu_capability(), 'oneDNN', torch.backends.mkldnn.enabled, flush=True)

preset, images = get_pretrain_preset('base'), ImageCache(WORLD)
streams = [SkillStream(scenes(WORLD, 'train'), images, preset, 0, stage) for stage in STAGES]
started = time.perf_counter()
model, processor, vision = _stage1(WORK, streams, preset, 0)
print('vision', round(time.perf_counter() - started, 1), 's', vision, flush=True)

class StopAt(Callback):
    "Ends the warm-up after `STEPS` steps."
    def after_step(self, model, step, history): self.stop = step >= STEPS

config = TrainConfig(epochs=1, batch_size=preset.batch_size, lr=preset.lr, schedule='one-cycle', warmup=preset.warmup, seed=0,
                     log_every=100, checkpoint_every=10**6, shuffle=False)    # the recipe's warm-up schedule and logging
started = time.perf_counter()
logged = train(model, streams[0], ChatCollator(processor), config, out=WORK/'warm', progress=False, callbacks=[StopAt()])
print('warm-up', round(time.perf_counter() - started, 1), 's', [(h['step'], h['loss']) for h in logged], flush=True)
print('digest', hashlib.sha256(b''.join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()[:16])
