"""Multi-process training on accelerate (issue 20): `accelerate launch --num_processes 2` on the CPU (gloo) runs
instruction-free tuning with the same global batch as one process and ends with the same adapter; the FSDP config the
README names for 11-13B models parses, and its engine (FSDP2, one unit per decoder layer) trains a tiny VLM one step on
the CPU."""
import json
import os, subprocess, sys
from pathlib import Path

import pytest
import torch

from conftest import REPO

ACCELERATE = Path(sys.executable).parent/'accelerate'
TORCHRUN = Path(sys.executable).parent/'torchrun'


def test_fsdp_config_parses():
    from accelerate.commands.config.config_args import load_config_from_file
    config = load_config_from_file(str(REPO/'configs'/'accelerate'/'fsdp_11b_13b.yaml'))
    value = lambda x: getattr(x, 'value', x)
    assert value(config.distributed_type) == 'FSDP' and value(config.mixed_precision) == 'bf16'
    assert config.fsdp_config['fsdp_auto_wrap_policy'] == 'TRANSFORMER_BASED_WRAP'
    assert config.fsdp_config['fsdp_state_dict_type'] == 'SHARDED_STATE_DICT'


def test_deepspeed_config_parses():
    from accelerate.commands.config.config_args import load_config_from_file
    config = load_config_from_file(str(REPO/'configs'/'accelerate'/'deepspeed_zero3_11b_13b.yaml'))
    value = lambda x: getattr(x, 'value', x)
    assert value(config.distributed_type) == 'DEEPSPEED' and value(config.mixed_precision) == 'bf16'
    assert config.deepspeed_config['zero_stage'] == 3 and config.deepspeed_config['gradient_clipping'] == 1.0

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from medvlm.model.matrix import build_family
    return build_family('llava-1.5', tmp_path_factory.mktemp('llava'))


def run(args:list, tmp:Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith('MEDVLM_')}
    env.update(OMP_NUM_THREADS='1', TOKENIZERS_PARALLELISM='false')
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp, timeout=300)


def launch_two(script:str, tiny, out:Path, *extra) -> subprocess.CompletedProcess:
    "`script` on two processes: --multi_gpu is accelerate's torchrun launcher; without GPUs the script's Accelerator(cpu=True) uses gloo."
    return run([ACCELERATE, 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no',
                '--dynamo_backend', 'no', script, '--model', tiny, '--out', out, '--batch', '2', *extra], out.parent)


def one_and_two(script:str, tiny, tmp_path:Path) -> tuple:
    "The results of `script` on one process × batch 4 and on two × 2 (the same global batch), checked to have run."
    one = run([sys.executable, script, '--model', tiny, '--out', tmp_path/'one', '--batch', '4'], tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    two = launch_two(script, tiny, tmp_path/'two')
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = torch.load(tmp_path/'one'/'result.pt'), torch.load(tmp_path/'two'/'result.pt')
    assert (a['world'], b['world']) == (1, 2) and a['weights'].keys() == b['weights'].keys()
    return a, b


def assert_same_training(a:dict, b:dict, history_a:list, history_b:list, atol:float=1e-5):
    "The same weights within `atol`; the same logged steps; losses within ±0.05 (the history logs the main process's half of each batch)."
    for k in a['weights']: torch.testing.assert_close(b['weights'][k], a['weights'][k], atol=atol, rtol=atol * 10)
    assert history_a and [h['step'] for h in history_a] == [h['step'] for h in history_b]
    for x, y in zip(history_a, history_b): assert abs(x['loss'] - y['loss']) < 0.05, (x, y)


def test_two_processes_match_one(tiny, tmp_path):
    "Instruction-free tuning, global batch 4: one process × 4 and two × 2 end with the same LoRA and proxy-free adapter; only rank 0 writes."
    a, b = one_and_two(str(REPO/'tests'/'accelerate_tune.py'), tiny, tmp_path)
    assert_same_training(a, b, a['history']['main'], b['history']['main'])
    for stage in ('warmup', 'main'):           # only the main process wrote: one checkpoint per stage, no partial folders
        found = sorted(p.name for p in (tmp_path/'two'/'run'/stage/'checkpoints').iterdir())
        assert len(found) == 1 and found[0].startswith('step-'), found


def test_vital_tuning_two_processes_match_one(tiny, tmp_path):
    "BioMed-VITAL instruction tuning, global batch 4: one process × 4 and two × 2 end with the same LoRA; only rank 0 writes."
    a, b = one_and_two(str(REPO/'tests'/'accelerate_vital.py'), tiny, tmp_path)
    assert_same_training(a, b, a['history'], b['history'])
    found = sorted(p.name for p in (tmp_path/'two'/'run'/'checkpoints').iterdir())
    assert len(found) == 1 and found[0].startswith('step-'), found


def test_two_processes_resume_after_one_is_killed(tiny, tmp_path):
    "Rank 1 killed after main-stage step 3 takes the launch down; launched again, the run resumes from its checkpoint and ends as an uninterrupted one."
    script = str(REPO/'tests'/'accelerate_tune.py')
    straight = launch_two(script, tiny, tmp_path/'straight')
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = launch_two(script, tiny, tmp_path/'resumed', '--kill-rank', '1', '--kill-step', '3')
    assert killed.returncode != 0 and not (tmp_path/'resumed'/'result.pt').exists()
    assert (tmp_path/'resumed'/'run'/'main'/'checkpoints'/'step-2').is_dir()           # what the rerun starts from
    resumed = launch_two(script, tiny, tmp_path/'resumed')
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a, b = torch.load(tmp_path/'straight'/'result.pt'), torch.load(tmp_path/'resumed'/'result.pt')
    assert_same_training(a, b, a['history']['main'], b['history']['main'], atol=1e-6)


def test_fsdp2_trains_one_step_on_the_cpu(tiny, tmp_path):
    """The config's engine on two CPU processes (gloo): every parameter is sharded — each rank holds part, together all —
    and one step moves the weights. (`accelerate launch` with the FSDP config does not start FSDP without GPUs, so the test
    calls torch's `fully_shard`, which accelerate uses for `fsdp_version: 2`, directly.)"""
    done = run([str(TORCHRUN), '--nproc_per_node', '2', str(REPO/'tests'/'fsdp_step.py'), str(tiny), str(tmp_path/'fsdp.jsonl')], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    ranks = [json.loads(line) for line in (tmp_path/'fsdp.jsonl').read_text().splitlines()]
    assert [r['rank'] for r in ranks] == [0, 1] and all(r['world'] == 2 for r in ranks)
    full = ranks[0]['full']
    assert all(0 < r['local'] < full for r in ranks) and sum(r['local'] for r in ranks) == full      # sharded, nothing lost
    assert all(r['moved'] > 0 and r['loss'] == r['loss'] for r in ranks)                             # trained; the loss is a number
