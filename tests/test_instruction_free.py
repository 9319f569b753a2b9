"""Instruction-free tuning end to end through `medvlm tune` on the test-preset mini-world: every method under QLoRA,
metrics and adapters on disk, exact resume after a crash, determinism, bad input, and two CPU processes."""
import json, os, shutil, subprocess, sys
from pathlib import Path

import pytest

from conftest import synthetic_world_with_base
from medvlm.cli import main
from medvlm.instfree.study import run_instruction_free
from medvlm.model.train import Callback

BENCHMARKS = ['wbcatt', 'skincon', 'cbis', 'mimic-cxr']
METHODS = ['zero-shot', 'handcrafted', 'empty', 'proxy', 'proxy-rs']


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    "The four MCQ benchmarks and a tiny base pretrained on the generic world, all at the test preset."
    return synthetic_world_with_base(tmp_path_factory.mktemp('instruction_free'), BENCHMARKS)


def tune(world, out, benchmark='wbcatt', method='proxy-rs', *extra):
    return main(['tune', '--benchmark', benchmark, '--method', method, '--model', str(world/'base'),
                 '--data-root', str(world/benchmark), '--preset', 'test', '--out', str(out), *extra])


@pytest.mark.parametrize('benchmark,method', [('wbcatt', m) for m in METHODS] + [(b, 'proxy-rs') for b in BENCHMARKS[1:]])
def test_tune_writes_metrics_and_adapter(world, tmp_path, benchmark, method):
    out = tmp_path/'run'
    assert tune(world, out, benchmark, method, '--qlora') == 0
    metrics = json.loads((out/'metrics.json').read_text())
    assert {'accuracy', 'per_attribute', 'ci', 'n', 'unparseable', 'config', 'seed'} <= set(metrics)
    assert metrics['n'] > 0 and 0 <= metrics['accuracy'] <= 1 and metrics['ci'][0] <= metrics['accuracy'] <= metrics['ci'][1]
    assert (metrics['adapter'], metrics['method'], metrics['benchmark']) == ('qlora', method, benchmark)
    assert (out/'adapter'/'adapter_config.json').is_file() == (method != 'zero-shot')
    predictions = [json.loads(line) for line in (out/'predictions.jsonl').read_text().splitlines()]
    assert len(predictions) == metrics['n']
    if method != 'zero-shot':   # the preset's LoRA dropout is the adapter's
        assert json.loads((out/'adapter'/'adapter_config.json').read_text())['lora_dropout'] == metrics['config']['lora_dropout']
    assert metrics['unparseable'] == sum(p['generate'] is None for p in predictions)
    if benchmark == 'skincon':   # the world leaves out a few images, as a Fitzpatrick17k download does: read without them, counted
        assert sum(metrics['dropped_images'].values()) > 0, metrics['dropped_images']
    else: assert metrics['dropped_images'] == {}


def test_a_preset_without_lora_dropout_tunes_without_it(world, tmp_path, monkeypatch):
    from dataclasses import replace
    from medvlm.instfree import TUNE_PRESETS
    monkeypatch.setitem(TUNE_PRESETS, 'test', replace(TUNE_PRESETS['test'], lora_dropout=0.0))
    metrics = run_instruction_free(tmp_path/'run', 'wbcatt', 'empty', world/'base', world/'wbcatt', 'test', 'qlora', progress=False)
    assert metrics['config']['lora_dropout'] == 0.0
    assert json.loads((tmp_path/'run'/'adapter'/'adapter_config.json').read_text())['lora_dropout'] == 0.0


class Crash(Callback):
    "Stands for a killed process after optimiser step 2 of the main stage."
    def after_step(self, model, step, history):
        if step == 2: raise RuntimeError('killed')


def test_interrupted_run_resumes_to_the_same_result(world, tmp_path):
    args = dict(benchmark='wbcatt', method='proxy-rs', model=world/'base', data_root=world/'wbcatt', preset='test',
                adapter='lora', progress=False)
    straight = run_instruction_free(tmp_path/'straight', **args)
    with pytest.raises(RuntimeError, match='killed'): run_instruction_free(tmp_path/'resumed', callbacks=[Crash()], **args)
    assert not (tmp_path/'resumed'/'metrics.json').exists()
    resumed = run_instruction_free(tmp_path/'resumed', **args)
    assert resumed['accuracy'] == straight['accuracy']
    assert [h['loss'] for h in resumed['history']['main']] == [h['loss'] for h in straight['history']['main']]
    assert resumed['curve'] == straight['curve'] and straight['curve'][0]['step'] == 0 and len(straight['curve']) >= 3   # points kept across the crash
    read = lambda run: (run/'predictions.jsonl').read_text()
    assert read(tmp_path/'resumed') == read(tmp_path/'straight')
    weights = lambda run: (run/'adapter'/'adapter_model.safetensors').read_bytes()
    assert weights(tmp_path/'resumed') == weights(tmp_path/'straight')      # deterministic on the CPU


def test_bad_input_is_one_line_and_leaves_no_metrics(world, tmp_path, cli):
    for bad in (['--method', 'prompt-tuning', '--benchmark', 'wbcatt'], ['--method', 'proxy', '--benchmark', 'slake']):
        result = cli(['tune', *bad, '--model', world/'base', '--data-root', world/'wbcatt', '--preset', 'test', '--out', tmp_path/'bad'])
        assert result.rc == 2 and result.err.count('\n') == 1, result.err
    broken = tmp_path/'wbcatt'; shutil.copytree(world/'wbcatt', broken)
    csv = broken/'pbc_attr_v1_test.csv'; csv.write_text(csv.read_text().replace('big', 'huge', 1))
    result = cli(['tune', '--method', 'proxy', '--benchmark', 'wbcatt', '--model', world/'base', '--data-root', broken,
                  '--preset', 'test', '--out', tmp_path/'bad'])
    assert result.rc == 2 and 'pbc_attr_v1_test.csv' in result.err and result.err.count('\n') == 1, result.err
    no_processor = tmp_path/'model'; no_processor.mkdir(); (no_processor/'config.json').write_text('{}')
    result = cli(['tune', '--method', 'proxy', '--benchmark', 'wbcatt', '--model', no_processor, '--data-root', world/'wbcatt',
                  '--preset', 'test', '--out', tmp_path/'bad'])
    assert result.rc == 2 and result.err.count('\n') == 1, result.err
    assert not (tmp_path/'bad'/'metrics.json').exists()
    damaged = tmp_path/'damaged'; damaged.mkdir(); (damaged/'run.json').write_text('{"benchmark": "wbc')   # a torn write
    result = cli(['tune', '--method', 'proxy', '--benchmark', 'wbcatt', '--model', world/'base', '--data-root', world/'wbcatt',
                  '--preset', 'test', '--out', damaged])
    assert result.rc == 2 and result.err.count('\n') == 1 and 'run.json' in result.err and f'remove {damaged} and run again' in result.err, result.err


def test_evaluate_command_reads_a_saved_run(world, tmp_path, cli):
    assert tune(world, tmp_path/'run', 'wbcatt', 'handcrafted', '--lora') == 0
    result = cli(['evaluate', tmp_path/'run', '--mode', 'both'])
    assert result.rc == 0, result.err
    again = json.loads(result.out)
    assert again['n'] == json.loads((tmp_path/'run'/'metrics.json').read_text())['n']
    assert 'agreement' in json.loads((tmp_path/'run'/'evaluate-both'/'metrics.json').read_text())


def test_two_cpu_processes_split_the_batches(world, tmp_path):
    "`accelerate launch` with two processes (CPU, gloo, as no GPU is here): each sees half the batches, the main one writes."
    one = tmp_path/'one'
    assert tune(world, one, 'wbcatt', 'handcrafted', '--lora') == 0
    command = [str(Path(sys.executable).parent/'accelerate'), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
               '--mixed_precision', 'no', '--dynamo_backend', 'no', str(Path(sys.executable).parent/'medvlm'),
               'tune', '--benchmark', 'wbcatt', '--method', 'handcrafted', '--model', str(world/'base'),
               '--data-root', str(world/'wbcatt'), '--preset', 'test', '--lora', '--out', str(tmp_path/'two')]
    env = {k: v for k, v in os.environ.items() if not k.startswith('MEDVLM_')}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    single, double = (json.loads((tmp_path/run/'metrics.json').read_text()) for run in ('one', 'two'))
    assert double['history']['main'][-1]['step'] * 2 == single['history']['main'][-1]['step']
    assert double['n'] == single['n'] and (tmp_path/'two'/'adapter'/'adapter_config.json').is_file()
