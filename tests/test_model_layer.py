"""The model layer end to end on the tiny base: pretraining checkpoint through the Auto classes, nf4 loading on the
CPU, LoRA and QLoRA training steps through the one loop, adapters in peft's format."""
import json

import pytest
import torch
from PIL import Image

from medvlm.model.collate import ChatCollator, ChatExample, generate_answers
from medvlm.model.loading import add_adapter, load_model, save_adapter, trainable_parameters
from medvlm.core.records import Turn
from medvlm.model.train import TrainConfig, train


@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A `test`-preset tiny base pretrained by the command line on a `test` generic world."
    from medvlm.cli import main
    work = tmp_path_factory.mktemp('base')
    assert main(['synth', 'generic', '--out', str(work), '--preset', 'test']) == 0
    assert main(['pretrain', '--preset', 'test', '--data', str(work/'generic'), '--out', str(work/'base')]) == 0
    return work/'base'


def examples():
    return [ChatExample(Image.new('RGB', (64, 64), colour), [Turn('human', '<image>\nWhat colour is it?'), Turn('gpt', colour)])
            for colour in ['red', 'blue'] * 4]


def test_checkpoint_loads_with_auto_classes_and_generates(base):
    from transformers import AutoModelForImageTextToText, AutoProcessor
    model, processor = AutoModelForImageTextToText.from_pretrained(base), AutoProcessor.from_pretrained(base)
    answers = generate_answers(model, processor, [Image.new('RGB', (64, 64), 'red')], ['Describe the image.'], max_new_tokens=5)
    assert len(answers) == 1 and isinstance(answers[0], str)
    assert json.loads((base/'pretrain.json').read_text())['preset']['name'] == 'test'
    report = json.loads((base/'sanity.json').read_text())
    assert [r['skill'] for r in report['rows']] == ['mcq', 'mcq_describe_only', 'lookup_novel', 'yesno', 'open', 'describe',
                                                    'mcq_parse', 'position_spread']
    assert (base/'README.md').read_text().startswith('---\nlibrary_name: transformers')


@pytest.mark.parametrize('adapter', ['qlora', 'lora', 'full'])
def test_training_steps_change_only_what_the_adapter_trains(base, adapter, tmp_path):
    model, processor = load_model(base, adapter, device='cpu')
    model = add_adapter(model, adapter)
    trainable, total = trainable_parameters(model)
    assert 0 < trainable <= total and (trainable == total) == (adapter == 'full')
    # 4-bit weights are left out: on the CPU bitsandbytes repacks them into its kernel's layout at first use
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad and p.is_floating_point()}
    tuned = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    history = train(model, examples(), ChatCollator(processor), TrainConfig(epochs=2, batch_size=4, lr=1e-2, log_every=1), progress=False)
    assert len(history) == 4 and all(h['loss'] == h['loss'] for h in history)   # no NaN
    after = dict(model.named_parameters())
    assert all(torch.equal(after[n], p) for n, p in frozen.items())
    assert any(not torch.equal(after[n], p) for n, p in tuned.items())
    if adapter == 'qlora':
        kinds = {type(m).__name__ for n, m in model.named_modules() if n.endswith('language_model.layers.0.self_attn.q_proj.base_layer')}
        assert kinds == {'Linear4bit'}


def test_qlora_adapter_loads_with_plain_peft(base, tmp_path):
    from peft import PeftModel
    model, processor = load_model(base, 'qlora', device='cpu')
    model = add_adapter(model, 'qlora')
    train(model, examples(), ChatCollator(processor), TrainConfig(epochs=1, batch_size=4, lr=1e-2), progress=False)
    save_adapter(model, tmp_path/'adapter')
    config = json.loads((tmp_path/'adapter'/'adapter_config.json').read_text())
    assert 'language_model' in config['target_modules'] and 'vision' not in config['target_modules']
    plain, _ = load_model(base, 'none', device='cpu')
    loaded = PeftModel.from_pretrained(plain, tmp_path/'adapter')
    lora = [n for n, _ in loaded.named_parameters() if 'lora_A' in n]
    assert lora and all('language_model' in n for n in lora)


def test_unknown_adapter_is_an_error(base):
    with pytest.raises(ValueError, match='unknown adapter'):
        load_model(base, 'int3', device='cpu')


def test_same_seed_gives_the_same_checkpoint(base, tmp_path):
    "Determinism on the CPU: pretraining again with the seed writes identical weights (and `--force` really retrains)."
    from safetensors.torch import load_file
    from medvlm.cli import main
    again = tmp_path/'again'
    assert main(['pretrain', '--preset', 'test', '--data', str(base.parent/'generic'), '--out', str(again), '--force']) == 0
    first, second = load_file(base/'model.safetensors'), load_file(again/'model.safetensors')
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
