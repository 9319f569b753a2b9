"""Model-layer benchmarks (issue 4): training throughput of medvlm's loop vs a plain HF Trainer loop, and weight
memory of the tiny base in nf4 vs bf16/fp32. Prints figures; measures both sides in one run.

    .venv/bin/python benchmarks/model_bench.py [--steps 60] [--batch 16] [--repeats 2]
"""
import argparse, json, tempfile, time
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, Trainer, TrainingArguments

from medvlm.model.collate import ChatCollator
from medvlm.model.loading import load_model, is_linear
from pretrain_bench import interleaved, recipe_setup
from medvlm.synth.toolkit import PRESETS
from medvlm.synth.generic import write_generic
from medvlm.model.tiny_base import save_base
from medvlm.model.train import TrainConfig, train


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, items): self.items = items
    def __len__(self): return len(self.items)
    def __getitem__(self, i): return self.items[i]


def medvlm_loop(model, examples, collate, batch):
    start = time.perf_counter()
    train(model, examples, collate, TrainConfig(epochs=1, batch_size=batch, lr=1e-3, log_every=1000), progress=False)
    return len(examples) / (time.perf_counter() - start)


def trainer_loop(model, examples, collate, batch, out):
    args = TrainingArguments(output_dir=out, per_device_train_batch_size=batch, num_train_epochs=1, learning_rate=1e-3,
                             lr_scheduler_type='constant', max_grad_norm=1.0, logging_steps=1000, save_strategy='no',
                             report_to=[], use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0,
                             remove_unused_columns=False, disable_tqdm=True, seed=0)
    trainer = Trainer(model=model, args=args, train_dataset=ListDataset(examples), data_collator=collate)
    start = time.perf_counter()
    trainer.train()
    return len(examples) / (time.perf_counter() - start)


def linear_weight_bytes(model):
    "Bytes held by the weights (and quantisation state) of the decoder's linear layers."
    total = 0
    for name, module in model.named_modules():
        if is_linear(module) and '.language_model.' in f'.{name}':
            total += module.weight.numel() * module.weight.element_size()
            state = getattr(module.weight, 'quant_state', None)
            if state is not None:
                total += state.absmax.numel() * state.absmax.element_size()
                if state.state2 is not None: total += state.state2.absmax.numel() * state.state2.absmax.element_size()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    work = Path(tempfile.mkdtemp())
    write_generic(work/'generic', seed=0, preset=PRESETS['default'].__class__('bench', 0, 0, 0, generic=2000))
    model, processor, examples = recipe_setup(work/'generic', args.steps * args.batch // 32 + 1, spec={})
    examples = examples[:args.steps * args.batch]
    save_base(model, processor, work/'base')
    collate = ChatCollator(processor)

    print(f'# training throughput: tiny base ({sum(p.numel() for p in model.parameters()):,} parameters), '
          f'{len(examples)} examples, batch {args.batch}, {torch.get_num_threads()} threads')
    best = interleaved({'medvlm': lambda: medvlm_loop(model, examples, collate, args.batch),
                        'trainer': lambda: trainer_loop(model, examples, collate, args.batch, str(work/'trainer'))}, model, args.repeats)
    print(f'medvlm loop {best["medvlm"]:.1f} samples/s, HF Trainer {best["trainer"]:.1f} samples/s, '
          f'ratio {best["medvlm"] / best["trainer"]:.2f}x (goal >= 1.0x)')

    print('# weight memory of the decoder linear layers')
    sizes = {'fp32': linear_weight_bytes(load_model(work/'base', 'lora', device='cpu')[0]),
             'bf16': linear_weight_bytes(AutoModelForImageTextToText.from_pretrained(work/'base', dtype=torch.bfloat16)),
             'nf4': linear_weight_bytes(load_model(work/'base', 'qlora', device='cpu')[0])}
    for label, size in sizes.items(): print(f'  {label:5s} {size / 1024:9.1f} KiB')
    print(f'nf4 / bf16 = {sizes["nf4"] / sizes["bf16"]:.3f} (goal <= 0.35), nf4 / fp32 = {sizes["nf4"] / sizes["fp32"]:.3f}')
    print(json.dumps({'samples_per_s': best, 'throughput_ratio': round(best['medvlm'] / best['trainer'], 3),
                      'linear_bytes': sizes, 'nf4_over_bf16': round(sizes['nf4'] / sizes['bf16'], 3)}))


if __name__ == '__main__':
    main()
