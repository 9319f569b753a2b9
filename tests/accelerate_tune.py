"""Run by tests/test_accelerate.py, alone or under `accelerate launch`: instruction-free tuning (proxy-rs) of a tiny base on
equal-length examples, LoRA without dropout; the main process writes the final trainable weights and the history to --out/result.pt."""
import argparse, os, sys
from dataclasses import replace
from pathlib import Path

import torch
from accelerate import Accelerator
from PIL import Image

from medvlm.model.loading import LoraSpec, add_adapter, load_model
from medvlm.core.records import ImageRecord
from medvlm.synth.toolkit import jpeg_bytes
from medvlm.model.train import Callback, trainable_state
from medvlm.instfree.tune import TuneConfig, tune

parser = argparse.ArgumentParser()
parser.add_argument('--model'); parser.add_argument('--out', type=Path); parser.add_argument('--batch', type=int)
parser.add_argument('--kill-rank', type=int, default=None, help='this process dies after main-stage step --kill-step (a killed worker)')
parser.add_argument('--kill-step', type=int, default=3)
args = parser.parse_args()
torch.set_num_threads(1)
accelerator = Accelerator(cpu=True)
records = [ImageRecord(f'r{i}', jpeg_bytes(Image.new('RGB', (64, 64), (40 * i % 255, 60, 200 - 20 * i))), 'train',
                       {'cell_size': 'big', 'cell_shape': 'round', 'granularity': 'yes'}, 'wbcatt')   # equal lengths: per-process means = global mean
           for i in range(8)]
torch.manual_seed(0)                          # the LoRA init: the same in every run (DDP then broadcasts rank 0's)
model, processor = load_model(args.model, 'lora', 'cpu')
model = add_adapter(model, 'lora', LoraSpec(dropout=0.0))   # no dropout: its draws differ by rank (33_train seeds per rank)
config = TuneConfig(warmup_epochs=1, epochs=2, lr=1e-2, batch_size=args.batch, checkpoint_every=2, momentum=0.9)
class Kill(Callback):
    "Stands for one worker killed mid-run: os._exit, no clean-up, after the step (its checkpoint, if any, already written)."
    def after_step(self, model, step, history):
        if accelerator.process_index == args.kill_rank and step == args.kill_step: os._exit(9)
history = tune(model, processor, records, 'wbcatt', 'proxy', config, args.out/'run', accelerator=accelerator, progress=False,
               callbacks=[Kill()] if args.kill_rank is not None else [])
if accelerator.is_main_process:
    torch.save({'weights': trainable_state(accelerator.unwrap_model(model)), 'history': history,
                'world': accelerator.num_processes}, args.out/'result.pt')
