"""One FSDP2 training step of a tiny VLM on the CPU (gloo), as `configs/accelerate/fsdp_11b_13b.yaml` asks for on GPUs:
each decoder layer its own unit (TRANSFORMER_BASED_WRAP), parameters sharded across the processes. Run by torchrun from
tests/test_accelerate.py; rank 0 writes one JSON line per rank's figures to the file given."""
import json, sys
import torch, torch.distributed as dist
from torch.distributed.fsdp import fully_shard
from transformers import AutoModelForImageTextToText

dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
model = AutoModelForImageTextToText.from_pretrained(sys.argv[1], dtype=torch.float32)
full = {name: p.numel() for name, p in model.named_parameters()}
before = {name: p.detach().clone() for name, p in model.named_parameters()}
for layer in model.model.language_model.layers: fully_shard(layer)
fully_shard(model)
local = {name: p.to_local().numel() for name, p in model.named_parameters()}
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
ids = torch.randint(5, 50, (2, 12), generator=torch.Generator().manual_seed(rank))     # each rank its own batch
loss = model(input_ids=ids, labels=ids).loss
loss.backward(); optimizer.step()
moved = sum(int(not torch.equal(p.full_tensor(), before[name])) for name, p in model.named_parameters())
figures = {'rank': rank, 'world': world, 'loss': float(loss.detach()), 'local': sum(local.values()), 'full': sum(full.values()),
           'moved': moved, 'parameters': len(full)}
gathered = [None] * world
dist.all_gather_object(gathered, figures)
if rank == 0:
    with open(sys.argv[2], 'w') as f: f.writelines(json.dumps(g) + '\n' for g in gathered)
dist.destroy_process_group()
