"""Run by tests/test_accelerate.py, alone or under `accelerate launch`: BioMed-VITAL instruction tuning (75_tune) of a
tiny base on equal-length conversations, LoRA without dropout; the main process writes the final trainable weights and the
history to --out/result.pt."""
import argparse
from pathlib import Path

import torch
from accelerate import PartialState
from PIL import Image

from medvlm.model.collate import ChatExample
from medvlm.model.loading import LoraSpec, add_adapter, load_model
from medvlm.core.records import Turn
from medvlm.model.train import trainable_state
from medvlm.vital.tune import InstructConfig, instruction_tune

parser = argparse.ArgumentParser()
parser.add_argument('--model'); parser.add_argument('--out', type=Path); parser.add_argument('--batch', type=int)
args = parser.parse_args()
torch.set_num_threads(1)
state = PartialState(cpu=True)
examples = [ChatExample(Image.new('RGB', (64, 64), (30 * i % 255, 90, 180 - 20 * i)),          # equal lengths: per-process means = global mean
                        [Turn('human', '<image>\nIs there an opacity?'), Turn('gpt', 'Yes, in the left lung.')])
            for i in range(8)]
torch.manual_seed(0)                          # the LoRA init: the same in every run (DDP then broadcasts rank 0's)
model, processor = load_model(args.model, 'lora', 'cpu')
model = add_adapter(model, 'lora', LoraSpec(dropout=0.0))
config = InstructConfig(adapter='lora', epochs=2, lr=1e-2, batch_size=args.batch, checkpoint_every=2)
history = instruction_tune(model, processor, examples, config, args.out/'run', progress=False)
if state.is_main_process:
    torch.save({'weights': trainable_state(model), 'history': history, 'world': state.num_processes}, args.out/'result.pt')
