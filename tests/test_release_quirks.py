"""The released datasets' quirks, each in a fixture in its released form (tests/fixtures/make_fixtures.py), read as
`medvlm data summary` reads them: nothing refused that is valid, nothing changed in meaning, everything counted."""
import json, random
from collections import Counter

import pytest

from conftest import FIXTURES
from medvlm.data.benchmarks import build_mcqs, describe
from medvlm.data.datasets import load_dataset
from medvlm.data.loaders import instfree_skincon_splits
from medvlm.core.records import ImageRecord

CONVERSATONS = 'instruct/llava_med_instruct_conversatons.json'


def summary(cli, name, root, *args):
    result = cli(['data', 'summary', name, '--root', str(root), *map(str, args)])
    assert result.rc == 0, result.err
    return json.loads(result.out), result.err


ALL_FIXTURES = [('wbcatt', 'wbcatt', []), ('skincon', 'skincon', []), ('skincon', 'skincon-split', ['--skip-missing']),
                ('cbis', 'cbis', []), ('cbis', 'cbis-jpeg', []), ('cbis', 'cbis-quirks', []), ('mimic-cxr', 'mimic-cxr', []),
                ('vqa-rad', 'vqa-rad', []), ('slake', 'slake', []), ('pathvqa', 'pathvqa', []),
                ('pathvqa', 'pathvqa-pickle', ['--allow-pickle']), ('pmc', 'pmc', []), ('pmc', 'pmc-quirks', []),
                ('llava', f'pmc-quirks/{CONVERSATONS}', ['--images', FIXTURES/'pmc-quirks'/'images'])]

@pytest.mark.parametrize('name, fixture, args', ALL_FIXTURES, ids=[f[1] for f in ALL_FIXTURES])
def test_summary_counts_missing_values_rewritten_vocabulary_and_dropped_images(cli, name, fixture, args):
    found, _ = summary(cli, name, FIXTURES/fixture, *args)
    for key in ('missing', 'rewritten', 'dropped_images'):
        assert isinstance(found[key], dict) and all(isinstance(n, int) and n > 0 for n in found[key].values()), key


# 1. optional fields of the PMC caption records may be null, empty or absent
def test_pmc_caption_records_with_null_optional_fields(cli):
    found, err = summary(cli, 'pmc', FIXTURES/'pmc-quirks')
    assert found['splits'] == {'all': 3} and err == ''
    assert found['missing'] == {'fig_label': 1, 'in_text_mention': 3, 'pmid': 1}
    assert found['attributes']['domain'] == {'ct_scan': 1, 'gross': 1, 'mri': 1}


# 2. 'conversatons': read as 'conversations', said once per file
def test_misspelt_conversations_key_is_read_and_warned_once(cli):
    found, err = summary(cli, 'llava', FIXTURES/'pmc-quirks'/CONVERSATONS, '--images', FIXTURES/'pmc-quirks'/'images')
    assert found['splits'] == {'all': 3}
    assert len(found['notes']) == 1 and "2 of 3 records spell the key 'conversations' as 'conversatons'" in found['notes'][0]
    assert err.count('\n') == 1 and err.startswith('medvlm: warning: ')


# 3. and 4. CBIS-DDSM missing markers and near-duplicate vocabulary
def test_cbis_missing_markers_and_vocabulary_table(cli):
    found, _ = summary(cli, 'cbis', FIXTURES/'cbis-quirks')
    assert found['splits'] == {'train': 4, 'test': 3}
    assert found['missing'] == {'calc distribution': 1, 'mass margins': 3, 'mass shape': 1}
    assert found['rewritten'] == {'calc type: LUCENT_CENTER -> LUCENT_CENTERED': 1,
                                  'calc type: PLEOMORPHIC-PLEOMORPHIC -> PLEOMORPHIC': 1,
                                  'calc type: ROUND_AND_REGULAR-LUCENT_CENTER -> ROUND_AND_REGULAR-LUCENT_CENTERED': 1}
    assert found['attributes']['mass margins'] == {'': 3, 'ILL_DEFINED': 1}
    assert found['attributes']['calc type'] == {'LUCENT_CENTERED': 1, 'PLEOMORPHIC': 1, 'ROUND_AND_REGULAR-LUCENT_CENTERED': 1}


def test_cbis_options_never_name_one_thing_twice():
    records = load_dataset('cbis', FIXTURES/'cbis-quirks').items
    for seed in range(30):
        for item in build_mcqs(records, seed=seed)[0]:
            assert not {'lucent center', 'lucent centered'} <= set(item.options), item.options
            assert len(set(item.options)) == len(item.options)
    lesion = next(r for r in records if r.attributes.get('calc type') == 'PLEOMORPHIC')
    assert describe(lesion).startswith('pleomorphic calc type')          # the doubled value is read once


# 5. SKINCON's split does not depend on which images a user has
def test_skincon_split_from_annotations_alone(cli):
    import pandas as pd
    ids = list(pd.read_csv(FIXTURES/'skincon-split'/'annotations_fitzpatrick17k.csv')['ImageID'])
    intended = instfree_skincon_splits(ids)
    partial = load_dataset('skincon', FIXTURES/'skincon-split', skip_missing=True)
    assert {r.id: r.split for r in partial.items} == {k: v for k, v in intended.items() if k in {r.id for r in partial.items}}
    found, _ = summary(cli, 'skincon', FIXTURES/'skincon-split', '--skip-missing')
    assert found['splits'] == {'train': 23, 'val': 3, 'test': 2}
    assert found['dropped_images'] == {'test': 1, 'train': 1} and found['skipped'] == {'missing image': 2}


# 6. WBCAtt options shuffled with the right letter balanced
def test_wbcatt_right_letter_is_balanced():
    cells = load_dataset('wbcatt', FIXTURES/'wbcatt').items
    records = [ImageRecord(f'{r.id}-{k}', r.image, r.split, r.attributes, 'wbcatt') for k in range(30) for r in cells]
    items, _ = build_mcqs(records, seed=0)
    by_count = {}
    for item in items: by_count.setdefault(len(item.options), Counter())[item.answer] += 1
    for n, letters in by_count.items():
        assert len(letters) == n and max(letters.values()) - min(letters.values()) <= 1, (n, letters)
    assert Counter(i.answer for i in items)['A'] / len(items) < 0.5


def test_mcq_metrics_carry_always_a_and_majority_letter():
    from medvlm.evaluation.mcq import mcq_metrics
    predictions = [{'key': 'k', 'answer': a, 'generate': 'A'} for a in 'AABBBC']
    metrics = mcq_metrics(predictions, 'generate')
    assert metrics['always_a'] == round(2 / 6, 4) and metrics['majority_letter'] == 0.5 and metrics['accuracy'] == metrics['always_a']


# 7. errors name the line a user sees, and say the convention
def test_error_in_a_multiline_csv_record_names_its_first_line(cli, fresh_copy):
    root = fresh_copy('cbis-quirks')
    path = root/'csv'/'calc_case_description_train_set.csv'
    path.write_text(path.read_text().replace('PLEOMORPHIC-PLEOMORPHIC', 'PLEOMORPHIC-STAR'))
    result = cli(['data', 'summary', 'cbis', '--root', str(root)])
    assert result.rc == 2 and result.err.count('\n') == 1
    assert "calc_case_description_train_set.csv: line 5 (1-based, header = line 1), field 'calc type'" in result.err


def test_json_errors_name_index_and_id(cli, fresh_copy):
    root = fresh_copy('pmc-quirks')
    path = root/'instruct'/'llava_med_instruct_fig_captions.json'
    data = json.loads(path.read_text()); del data[2]['fig_caption']; path.write_text(json.dumps(data))
    result = cli(['data', 'summary', 'pmc', '--root', str(root)])
    assert result.rc == 2 and "item 2 (0-based index, pair_id '31000003_F2'), field 'fig_caption': missing" in result.err


# 8. data/README.md stands alone
def test_data_readme_is_self_contained():
    text = (FIXTURES.parent.parent/'data'/'README.md').read_text()
    assert 'FORMATS.md' not in text
    for fact in ('conversatons', 'N/A', 'LUCENT_CENTER', 'PLEOMORPHIC-PLEOMORPHIC', 'in_text_mention', 'header = line 1'):
        assert fact in text, fact


# 12. answer types other than OPEN / CLOSED are counted, not fatal
def test_other_answer_types_are_skipped_and_counted(cli, fresh_copy):
    root = fresh_copy('vqa-rad')
    path = root/'VQA_RAD Dataset Public.json'
    data = json.loads(path.read_text()); data[2]['answer_type'] = 'OTHER'; path.write_text(json.dumps(data))
    found, _ = summary(cli, 'vqa-rad', root)
    assert found['skipped'] == {'answer_type=OTHER': 1} and sum(found['splits'].values()) == 4
