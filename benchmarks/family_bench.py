"""Issue 20.4: per VLM family of the model matrix, the weight memory of its tiny random checkpoint in nf4 (QLoRA) beside
bf16 and fp32, and QLoRA training throughput (tokens/s) on the CPU — measured side by side in one run. The batches are
built by the family's own processor (labels on every token), so the figures do not depend on medvlm's collator.
Tiny configs (hidden 16-64): the ratios say how much of each family's model nf4 reaches (only linear layers are
quantised; embeddings, norms and the vision tower stay in the compute dtype, fp32 on the CPU, so in a tiny model the
whole nf4 checkpoint can be larger than the bf16 one), not what an 11B model needs; `linear nf4/bf16` is the ratio on
the quantised layers alone (packed 4-bit weights + absmax), the one that carries over to a large model.

    .venv/bin/python benchmarks/family_bench.py [--steps 20] [--batch 2]

2026-12-04, this 2-core CPU shared with a pretraining run, one thread, `--steps 10`, batch 2:
    family         fp32 KB   bf16 KB    nf4 KB  nf4/bf16  linear nf4/bf16  QLoRA tok/s
    llava-1.5          365       182       295      1.62             0.28         7268
    llava-next         365       182       295      1.62             0.28         9435
    mllama             391       196       321      1.64             0.28         6229
    idefics3           286       143       202      1.41             0.28        11300
    gemma3             239       119       176      1.47             0.28         3660
PaliGemma: not supported. No GPU was lent.

2026-12-05, every family side by side in the torchvision venv of `make model-matrix-torchvision` (torch 2.14.1+cu130 with
torchvision 0.29.1, run on the CPU), so that Qwen2-VL / Qwen2.5-VL are measured beside the others; both cores busy with
a study batch and a probe (tokens/s about half of the run above), one thread, `--steps 10`, batch 2:
    /work/qwenv/bin/python benchmarks/family_bench.py --steps 10
    family         fp32 KB   bf16 KB    nf4 KB  nf4/bf16  linear nf4/bf16  QLoRA tok/s
    llava-1.5          365       182       295      1.62             0.28         3553
    llava-next         365       182       295      1.62             0.28         6088
    mllama             391       196       321      1.64             0.28         2849
    qwen2-vl           463       232       393      1.70             0.28         3628
    qwen2.5-vl         471       236       401      1.70             0.28         3282
    idefics3           286       143       202      1.41             0.28         4613
    gemma3             239       119       176      1.47             0.28         1617
"""
import argparse, tempfile, time
from pathlib import Path

import torch
from PIL import Image

from medvlm.model.collate import chat_messages, render
from medvlm.model.loading import add_adapter, load_model
from medvlm.model.matrix import FAMILIES, build_family, missing_packages
from medvlm.core.records import Turn
from medvlm.model.train import to_device

def weight_bytes(model) -> int:
    "Bytes of every parameter and buffer as stored (a 4-bit weight counts its packed bytes)."
    return sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])

def quantised_linear_ratio(model) -> float:
    "Packed bytes of the 4-bit linear layers over what the same layers take in bf16 (the part of the model nf4 reaches)."
    layers = [m for m in model.modules() if type(m).__name__ == 'Linear4bit']
    packed = sum(m.weight.numel() * m.weight.element_size() + m.weight.quant_state.absmax.numel() * 4 for m in layers)
    return packed / sum(m.in_features * m.out_features * 2 for m in layers)

def batch_of(model, processor, size:int) -> dict:
    image, bos = Image.new('RGB', (64, 64), (200, 60, 60)), processor.tokenizer.bos_token
    text = render(processor, chat_messages([Turn('human', '<image>\nWhat is the colour of the cells?'), Turn('gpt', 'The cells are red.')]))
    batch = dict(processor(images=[[image]] * size, text=[text] * size, return_tensors='pt', padding=True,
                           add_special_tokens=not (bos and text.startswith(bos))))
    batch['labels'] = batch['input_ids'].clone()
    return to_device(batch, model.device, next(p.dtype for p in model.parameters() if p.is_floating_point()))

def qlora_tokens_per_second(folder:Path, steps:int, size:int) -> float:
    model, processor = load_model(folder, 'qlora', 'cpu')
    model = add_adapter(model, 'qlora').train()     # eval mode takes bitsandbytes' packed CPU path, which refuses layers narrower than a block
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    batch = batch_of(model, processor, size)
    for _ in range(2): model(**batch).loss.backward(); optimizer.step(); optimizer.zero_grad()     # warm-up
    start = time.perf_counter()
    for _ in range(steps): model(**batch).loss.backward(); optimizer.step(); optimizer.zero_grad()
    return steps * int(batch['attention_mask'].sum()) / (time.perf_counter() - start)

if __name__ == '__main__':
    parser = argparse.ArgumentParser(); parser.add_argument('--steps', type=int, default=20); parser.add_argument('--batch', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{'family':<12} {'fp32 KB':>9} {'bf16 KB':>9} {'nf4 KB':>9} {'nf4/bf16':>9} {'linear nf4/bf16':>16} {'QLoRA tok/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, family in FAMILIES.items():
            if family.model_type == 'paligemma' or missing_packages(family):
                print(f"{name:<12} not measured: {'not supported (prefix-LM)' if family.model_type == 'paligemma' else 'needs ' + ', '.join(missing_packages(family))}")
                continue
            folder = build_family(name, Path(tmp)/name)
            sizes = {dtype: weight_bytes(load_model(folder, 'lora', 'cpu', dtype=dtype)[0]) for dtype in ('fp32', 'bf16')}
            quantised = load_model(folder, 'qlora', 'cpu')[0]
            sizes['nf4'], linear = weight_bytes(quantised), quantised_linear_ratio(quantised)
            speed = qlora_tokens_per_second(folder, args.steps, args.batch)
            print(f"{name:<12} {sizes['fp32'] / 1024:>9.0f} {sizes['bf16'] / 1024:>9.0f} {sizes['nf4'] / 1024:>9.0f} "
                  f"{sizes['nf4'] / sizes['bf16']:>9.2f} {linear:>16.2f} {speed:>12.0f}", flush=True)
