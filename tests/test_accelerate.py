"""Multi-process training on accelerate (issue 20): `accelerate launch --num_processes 2` on the CPU (gloo) runs
instruction-free tuning with the same global batch as one process and ends with the same adapter; the FSDP config the
README names for 11-13B models parses."""
import os, subprocess, sys
from pathlib import Path

import pytest
import torch

from conftest import REPO

ACCELERATE = Path(sys.executable).parent/'accelerate'


def test_fsdp_config_parses():
    from accelerate.commands.config.config_args import load_config_from_file
    config = load_config_from_file(str(REPO/'configs'/'accelerate'/'fsdp_11b_13b.yaml'))
    value = lambda x: getattr(x, 'value', x)
    assert value(config.distributed_type) == 'FSDP' and value(config.mixed_precision) == 'bf16'
    assert config.fsdp_config['fsdp_auto_wrap_policy'] == 'TRANSFORMER_BASED_WRAP'
    assert config.fsdp_config['fsdp_state_dict_type'] == 'SHARDED_STATE_DICT'


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from medvlm.model_matrix import build_family
    return build_family('llava-1.5', tmp_path_factory.mktemp('llava'))


def run(args:list, tmp:Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith('MEDVLM_')}
    env.update(OMP_NUM_THREADS='1', TOKENIZERS_PARALLELISM='false')
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp, timeout=300)


def test_two_processes_match_one(tiny, tmp_path):
    "Global batch 4: one process × 4 and two processes × 2 (gloo) end with the same LoRA and proxy-free adapter; only rank 0 writes."
    script = str(REPO/'tests'/'accelerate_tune.py')
    one = run([sys.executable, script, '--model', tiny, '--out', tmp_path/'one', '--batch', '4'], tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    # --multi_gpu is accelerate's torchrun launcher; on a machine without GPUs the script's Accelerator(cpu=True) uses gloo
    two = run([ACCELERATE, 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no',
               '--dynamo_backend', 'no', script, '--model', tiny, '--out', tmp_path/'two', '--batch', '2'], tmp_path)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = torch.load(tmp_path/'one'/'result.pt'), torch.load(tmp_path/'two'/'result.pt')
    assert (a['world'], b['world']) == (1, 2)
    assert a['weights'].keys() == b['weights'].keys()
    for k in a['weights']: torch.testing.assert_close(b['weights'][k], a['weights'][k], atol=1e-5, rtol=1e-4)
    # the history logs the main process's loss only (23_train): the same steps, close but not equal losses
    assert [h['step'] for h in a['history']['main']] == [h['step'] for h in b['history']['main']]
    # only the main process wrote: one checkpoint per stage, no partial folders
    for stage in ('warmup', 'main'):
        found = sorted(p.name for p in (tmp_path/'two'/'run'/stage/'checkpoints').iterdir())
        assert len(found) == 1 and found[0].startswith('step-'), found
