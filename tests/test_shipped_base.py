"""The shipped base (models/tiny-base) is what the recipe in the code makes: its recorded recipe hash is the code's,
it is a complete Hugging Face checkpoint within its size budget, and its weights reproduce its own sanity report
item by item on a held-out sample."""
import json

import numpy as np
import pytest

from conftest import REPO
from medvlm.base.sanity import SHIPPED_BASE, sanity_items, TARGETS
from medvlm.synth.tasks import SKILLS, score_item
from medvlm.base.pretrain import ImageCache, answer_items, data_fingerprint, get_pretrain_preset, recipe_hash
from medvlm.core.records import read_json

SHIPPED = REPO/SHIPPED_BASE
RETRAIN = 'medvlm pretrain --preset base --out models/tiny-base'


def test_shipped_base_was_made_by_the_recipe_in_the_code():
    "Fails when the recipe's code or preset changes and the shipped base is not retrained (it would be stale)."
    pretrained, sanity = read_json(SHIPPED/'pretrain.json'), read_json(SHIPPED/'sanity.json')
    assert pretrained['recipe'] == recipe_hash(get_pretrain_preset('base')), f"the recipe changed since the base was shipped: run `{RETRAIN}`"
    assert sanity['recipe'] == pretrained['recipe'], f"sanity.json belongs to another base: run `{RETRAIN}`"


def test_shipped_base_is_an_ordinary_checkpoint_within_budget():
    from transformers import AutoModelForImageTextToText, AutoProcessor
    names = {p.name for p in SHIPPED.iterdir()}
    assert {'config.json', 'model.safetensors', 'tokenizer.json', 'processor_config.json', 'chat_template.jinja',
            'pretrain.json', 'sanity.json', 'README.md', 'summary.md'} <= names
    assert sum(p.stat().st_size for p in SHIPPED.iterdir()) <= 25 * 2 ** 20
    model, processor = AutoModelForImageTextToText.from_pretrained(SHIPPED), AutoProcessor.from_pretrained(SHIPPED)
    assert type(model).__name__ == 'LlavaForConditionalGeneration' and processor.chat_template


def test_shipped_card_and_summary_are_written_from_its_json():
    "The model card and the README's summary say what pretrain.json and sanity.json hold: neither edited by hand, neither stale."
    from medvlm.base.sanity import model_card, shipped_summary
    pretrained, sanity = read_json(SHIPPED/'pretrain.json'), read_json(SHIPPED/'sanity.json')
    assert (SHIPPED/'README.md').read_text() == model_card(pretrained, sanity), f"the model card is stale: run `{RETRAIN}`"
    assert (SHIPPED/'summary.md').read_text() == shipped_summary(SHIPPED), f"summary.md is stale: run `{RETRAIN}`"


def test_sanity_report_has_references_beside_every_figure():
    sanity = read_json(SHIPPED/'sanity.json')
    rows = {r['skill']: r for r in sanity['rows']}
    assert set(rows) == {*SKILLS, 'mcq_parse', 'position_spread'}
    for skill in SKILLS:
        row = rows[skill]
        assert row['n'] >= 400 and row['ci'][0] <= row['score'] <= row['ci'][1] and 0 < row['chance'] < 1
        assert row['target'] == TARGETS[skill] and row['met'] == (row['score'] >= row['target'])
    assert {r['benchmark'] for r in sanity['medical']} == {'wbcatt', 'skincon', 'cbis', 'mimic-cxr'}
    assert all(r['n'] >= 100 and 'parse_rate' in r and 'always_a' in r for r in sanity['medical'])


@pytest.fixture(scope='module')
def default_world(tmp_path_factory):
    "The generic world at its default preset and seed 0 (what the shipped base was pretrained and measured on)."
    from medvlm.synth.toolkit import PRESETS
    from medvlm.synth.generic import write_generic
    return write_generic(tmp_path_factory.mktemp('world')/'generic', seed=0, preset=PRESETS['default'])


def test_shipped_weights_reproduce_the_sanity_report_on_a_sample(default_world):
    from transformers import AutoModelForImageTextToText, AutoProcessor
    pretrained, sanity = read_json(SHIPPED/'pretrain.json'), read_json(SHIPPED/'sanity.json')
    assert data_fingerprint(default_world) == sanity['data'] == pretrained['data']
    suite = sanity_items(default_world, pretrained['preset']['describe_only'], sanity['per_skill'], sanity['seed'])
    sample = [item for skill in SKILLS for item in suite[skill][:40]]
    model, processor = AutoModelForImageTextToText.from_pretrained(SHIPPED), AutoProcessor.from_pretrained(SHIPPED)
    scores = [score_item(item, answer)[0] for item, answer in zip(sample, answer_items(model, processor, sample, ImageCache(default_world)))]
    for skill in SKILLS:
        mine = [s for item, s in zip(sample, scores) if item.skill == skill]
        recorded = sanity['item_scores'][skill][:40]
        agreement = np.mean([a == b for a, b in zip(mine, recorded)])
        assert agreement >= 0.95, f"{skill}: the shipped weights agree with sanity.json on {agreement:.0%} of 40 items"
        assert abs(np.mean(mine) - np.mean(recorded)) <= 0.05, skill


def test_attribute_breakdown_is_what_the_item_scores_give(default_world):
    "The by-attribute lines of sanity.json (and the model card) come from the report's own item scores, every item counted once."
    from medvlm.base.sanity import attribute_breakdown, ATTRIBUTE_SKILLS
    pretrained, sanity = read_json(SHIPPED/'pretrain.json'), read_json(SHIPPED/'sanity.json')
    suite = sanity_items(default_world, pretrained['preset']['describe_only'], sanity['per_skill'], sanity['seed'])
    assert sanity['by_attribute'] == attribute_breakdown(suite, sanity['item_scores'])
    rows = {r['skill']: r for r in sanity['rows']}
    for skill in ATTRIBUTE_SKILLS:
        parts = sanity['by_attribute'][skill].values()
        assert sum(p['n'] for p in parts) == rows[skill]['n'] and 'other' not in sanity['by_attribute'][skill]
        assert abs(sum(p['n'] * p['score'] for p in parts) / rows[skill]['n'] - rows[skill]['score']) < 1e-3
