"""`medvlm data summary` over every public layout, as a user runs it.

Expected numbers are worked out by hand from tests/fixtures/make_fixtures.py, not copied from the loaders.
"""
import csv, gzip, json, pickle, shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, clean_env
from medvlm.data.benchmarks import (WBCATT_VALUES, SKINCON_CONCEPTS, CHEXPERT_LABELS, ChexpertPolicy, build_mcqs, describe,
                               mcq_prompt)
from medvlm.data.datasets import load_dataset

LLAVA_FILE = 'instruct/BioMed-VITAL-instructions-mini.json'
PMC_CAPTIONS = 'instruct/llava_med_instruct_fig_captions.json'
SUMMARY_KEYS = {'benchmark', 'splits', 'attributes', 'skipped', 'missing', 'rewritten', 'dropped_images', 'notes'}


def summary_argv(name:str, root, *args) -> list:
    return ['data', 'summary', name, '--root', str(root), *map(str, args)]


def parse_summary(result) -> dict:
    "The one JSON object a successful `data summary` prints, after checking the run succeeded quietly."
    assert result.rc == 0, result.err
    # quiet, but for the one warning --allow-pickle gives (issue 22.7), naming the files it unpickles
    assert result.err == '' or (result.err.startswith('medvlm: warning: unpickling ') and result.err.count('\n') == 1), result.err
    summary = json.loads(result.out)  # the whole of stdout is one JSON document
    assert isinstance(summary, dict) and set(summary) == SUMMARY_KEYS
    return summary


def assert_one_line_error(result, expected:list):
    "Exit status 2, nothing on stdout, exactly one 'medvlm: ...' line on stderr holding every `expected` text."
    assert 'Traceback' not in result.err, result.err
    assert result.rc == 2, (result.rc, result.err)
    assert result.out == ''
    err = result.err
    if err.startswith('medvlm: warning: unpickling '): err = err.split('\n', 1)[1]   # said before unpickling (issue 22.7)
    assert err.endswith('\n') and err.count('\n') == 1, result.err
    assert err.startswith('medvlm: '), result.err
    for text in expected: assert text in err, f"{text!r} not in {err!r}"


# ---------------------------------------------------------------------------------------------------------------------
# 1. Passing cases
# ---------------------------------------------------------------------------------------------------------------------

SLAKE_SUMMARY = {'benchmark': 'slake', 'splits': {'train': 2, 'validate': 1, 'test': 2},
                 'attributes': {'answer_type': {'CLOSED': 3, 'OPEN': 2}}, 'skipped': {'q_lang=zh': 2},
                 'missing': {}, 'rewritten': {}, 'dropped_images': {}, 'notes': []}

# (dataset, root under tests/fixtures, extra args, splits, some attribute counts, skipped)
END_TO_END_SUMMARIES = [
    pytest.param('wbcatt', 'wbcatt', [], {'train': 4, 'val': 1, 'test': 2},
                 {'label': {'Basophil': 1, 'Eosinophil': 1, 'Lymphocyte': 2, 'Monocyte': 1, 'Neutrophil': 2},
                  'granule_type': {'coarse': 1, 'nil': 2, 'round': 1, 'small': 3},
                  'cytoplasm_vacuole': {'no': 6, 'yes': 1}}, {}, id='wbcatt'),
    pytest.param('wbcatt', 'wbcatt', ['--split', 'test'], {'test': 2},
                 {'label': {'Lymphocyte': 1, 'Neutrophil': 1}, 'nucleus_shape': {'irregular': 1, 'unsegmented-band': 1}},
                 {}, id='wbcatt-split-test'),
    # ten rows, the last flagged "Do not consider this image"; 10% of 9 images rounds to 0, so all are train.
    pytest.param('skincon', 'skincon', [], {'train': 9},
                 {'Erythema': {'0': 6, '1': 3}, 'Scale': {'0': 7, '1': 2}, 'Vesicle': {'0': 9}},
                 {'Do not consider this image': 1}, id='skincon'),
    # six training patients: 10% rounds to 0 validation patients.
    pytest.param('cbis', 'cbis', [], {'train': 7, 'test': 3},
                 {'abnormality type': {'calcification': 4, 'mass': 6},
                  'pathology': {'BENIGN': 2, 'BENIGN_WITHOUT_CALLBACK': 2, 'MALIGNANT': 6},
                  'calc type': {'AMORPHOUS': 2, 'PLEOMORPHIC': 1, 'PUNCTATE-LUCENT_CENTERED': 1},
                  'mass margins': {'': 1, 'ILL_DEFINED': 2, 'SPICULATED': 3}}, {}, id='cbis-dicom'),
    pytest.param('cbis', 'cbis-jpeg', [], {'train': 7, 'test': 3},
                 {'pathology': {'BENIGN': 2, 'BENIGN_WITHOUT_CALLBACK': 2, 'MALIGNANT': 6}}, {}, id='cbis-kaggle-jpeg'),
    pytest.param('mimic-cxr', 'mimic-cxr', [], {'train': 3, 'validate': 1, 'test': 1},
                 {'No Finding': {'0': 3, '1': 2}, 'Cardiomegaly': {'0': 4, '1': 1}, 'Edema': {'0': 5}}, {}, id='mimic-cxr'),
    # studies 53189527 (Edema -1.0) and 50771383 (Pneumonia -1.0) have one image each.
    pytest.param('mimic-cxr', 'mimic-cxr', ['--uncertain', 'skip'], {'train': 2, 'validate': 1},
                 {'No Finding': {'0': 1, '1': 2}, 'Pneumothorax': {'0': 2, '1': 1}},
                 {'label skipped by the CheXpert policy': 2}, id='mimic-cxr-uncertain-skip'),
    pytest.param('vqa-rad', 'vqa-rad', [], {'train': 3, 'test': 2},
                 {'answer_type': {'CLOSED': 3, 'OPEN': 2}}, {}, id='vqa-rad'),
    pytest.param('slake', 'slake', [], SLAKE_SUMMARY['splits'], SLAKE_SUMMARY['attributes'], SLAKE_SUMMARY['skipped'],
                 id='slake'),
    pytest.param('pathvqa', 'pathvqa', [], {'train': 2, 'validation': 1, 'test': 3},
                 {'answer_type': {'CLOSED': 3, 'OPEN': 3}}, {}, id='pathvqa-parquet'),
    pytest.param('pathvqa', 'pathvqa-pickle', ['--allow-pickle'], {'train': 2, 'val': 2, 'test': 2},
                 {'answer_type': {'CLOSED': 3, 'OPEN': 3}}, {}, id='pathvqa-pickle'),
    pytest.param('pmc', 'pmc', [], {'all': 2}, {'domain': {'chest_xray': 1, 'histology': 1}}, {}, id='pmc'),
    pytest.param('llava', f'pmc/{LLAVA_FILE}', ['--images', FIXTURES/'pmc'/'images'], {'all': 2},
                 {'domain': {'chest_xray': 1, 'histology': 1}}, {}, id='llava'),
]


def check_summary(summary:dict, splits:dict, skipped:dict, attributes:dict):
    "The summary's splits, skipped records and attribute counts are the hand-counted ones."
    assert summary['splits'] == splits
    assert summary['skipped'] == skipped
    for key, counts in attributes.items(): assert summary['attributes'][key] == counts, key


@pytest.mark.parametrize('name, fixture, args, splits, attributes, skipped', END_TO_END_SUMMARIES)
def test_summary_of_each_layout_end_to_end(medvlm_cmd, name, fixture, args, splits, attributes, skipped):
    "The console script reads each public layout and prints one JSON summary with the hand-counted numbers."
    summary = parse_summary(medvlm_cmd(summary_argv(name, FIXTURES/fixture, *args)))
    assert summary['benchmark'] == name
    check_summary(summary, splits, skipped, attributes)


def test_summary_lists_every_attribute_of_the_concept_sets(cli):
    "SKINCON reports all 48 concepts and MIMIC-CXR all 14 CheXpert labels, each counted once per image."
    skincon = parse_summary(cli(summary_argv('skincon', FIXTURES/'skincon')))
    assert set(skincon['attributes']) == set(SKINCON_CONCEPTS) and len(SKINCON_CONCEPTS) == 48
    assert all(sum(counts.values()) == 9 for counts in skincon['attributes'].values())
    mimic = parse_summary(cli(summary_argv('mimic-cxr', FIXTURES/'mimic-cxr')))
    assert set(mimic['attributes']) == set(CHEXPERT_LABELS) and len(CHEXPERT_LABELS) == 14
    assert all(sum(counts.values()) == 5 for counts in mimic['attributes'].values())


def test_cbis_tcia_and_kaggle_releases_give_identical_summaries(cli):
    "The TCIA DICOM release and the Kaggle JPEG release (csv/dicom_info.csv) describe the same lesions."
    tcia = cli(summary_argv('cbis', FIXTURES/'cbis'))
    kaggle = cli(summary_argv('cbis', FIXTURES/'cbis-jpeg'))
    assert parse_summary(tcia) == parse_summary(kaggle)
    assert tcia.out == kaggle.out


# (dataset, fixture, args, splits, skipped, some attribute counts)
OPTION_CASES = [
    pytest.param('wbcatt', 'wbcatt', ['--split', 'train', '--split', 'val'], {'train': 4, 'val': 1}, {},
                 {'label': {'Basophil': 1, 'Eosinophil': 1, 'Lymphocyte': 1, 'Monocyte': 1, 'Neutrophil': 1}},
                 id='wbcatt-two-splits'),
    pytest.param('cbis', 'cbis', ['--split', 'test'], {'test': 3}, {},
                 {'pathology': {'BENIGN': 1, 'BENIGN_WITHOUT_CALLBACK': 1, 'MALIGNANT': 1}}, id='cbis-split-test'),
    pytest.param('cbis', 'cbis-jpeg', ['--split', 'test'], {'test': 3}, {},
                 {'abnormality type': {'calcification': 1, 'mass': 2}}, id='cbis-jpeg-split-test'),
    pytest.param('mimic-cxr', 'mimic-cxr', ['--split', 'validate'], {'validate': 1}, {},
                 {'Pneumothorax': {'1': 1}, 'Support Devices': {'1': 1}}, id='mimic-split-validate'),
    pytest.param('mimic-cxr', 'mimic-cxr', ['--views', 'PA'], {'train': 1, 'test': 1}, {'view not selected': 3},
                 {'No Finding': {'0': 1, '1': 1}}, id='mimic-views-PA'),
    pytest.param('mimic-cxr', 'mimic-cxr', ['--uncertain', 'positive'], {'train': 3, 'validate': 1, 'test': 1}, {},
                 {'Edema': {'0': 4, '1': 1}, 'Pneumonia': {'0': 4, '1': 1}}, id='mimic-uncertain-positive'),
    pytest.param('mimic-cxr', 'mimic-cxr', ['--blank', 'skip'], {}, {'label skipped by the CheXpert policy': 5}, {},
                 id='mimic-blank-skip'),
    pytest.param('vqa-rad', 'vqa-rad', ['--split', 'test'], {'test': 2}, {},
                 {'answer_type': {'CLOSED': 1, 'OPEN': 1}}, id='vqa-rad-split-test'),
    pytest.param('slake', 'slake', ['--split', 'test'], {'test': 2}, {'q_lang=zh': 1},
                 {'answer_type': {'CLOSED': 1, 'OPEN': 1}}, id='slake-split-test'),
    pytest.param('slake', 'slake', ['--lang', 'all'], {'train': 3, 'validate': 1, 'test': 3}, {},
                 {'answer_type': {'CLOSED': 4, 'OPEN': 3}}, id='slake-lang-all'),
    pytest.param('slake', 'slake', ['--lang', 'zh'], {'train': 1, 'test': 1}, {'q_lang=en': 5},
                 {'answer_type': {'CLOSED': 1, 'OPEN': 1}}, id='slake-lang-zh'),
    pytest.param('pathvqa', 'pathvqa', ['--split', 'validation'], {'validation': 1}, {},
                 {'answer_type': {'CLOSED': 1}}, id='pathvqa-split-validation'),
    pytest.param('pathvqa', 'pathvqa-pickle', ['--allow-pickle', '--split', 'val'], {'val': 2}, {},
                 {'answer_type': {'CLOSED': 1, 'OPEN': 1}}, id='pathvqa-pickle-split-val'),
]


@pytest.mark.parametrize('name, fixture, args, splits, skipped, attributes', OPTION_CASES)
def test_summary_options_restrict_what_is_read(cli, name, fixture, args, splits, skipped, attributes):
    "--split, --views, --uncertain/--blank and --lang select exactly the hand-counted records."
    check_summary(parse_summary(cli(summary_argv(name, FIXTURES/fixture, *args))), splits, skipped, attributes)


# (dataset, fixture, file(s) to delete, extra args, splits, skipped)
SKIP_MISSING_CASES = [
    pytest.param('wbcatt', 'wbcatt', ['PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg'], [],
                 {'train': 3, 'val': 1, 'test': 2}, {'missing image': 1}, id='wbcatt'),
    pytest.param('skincon', 'skincon', ['images/03a3f9c2e1b7d04f6e8a1c5b9d2e7f0a.jpg'], [],
                 {'train': 8}, {'Do not consider this image': 1, 'missing image': 1}, id='skincon'),
    pytest.param('cbis', 'cbis', ['Calc-Test_P_00038_LEFT_CC_1/1.3.6.1.4.1.9590.100.1.2.1010/'
                                  '1.3.6.1.4.1.9590.100.1.2.2010/000001.dcm'], [],
                 {'train': 7, 'test': 2}, {'missing image': 1}, id='cbis-dicom'),
    pytest.param('cbis', 'cbis-jpeg', ['jpeg/1.3.6.1.4.1.9590.100.1.2.2003/1-1.jpg'], [],
                 {'train': 6, 'test': 3}, {'missing image': 1}, id='cbis-kaggle-jpeg'),
    pytest.param('mimic-cxr', 'mimic-cxr', ['files/p10/p10000764/s57375967/096052b7-d256dc40-453a102b-fa7d01c6-1b22c6b4.jpg'],
                 [], {'train': 3, 'test': 1}, {'missing image': 1}, id='mimic-cxr'),
    pytest.param('vqa-rad', 'vqa-rad', ['VQA_RAD Image Folder/synpic54610.jpg'], [],
                 {'train': 1, 'test': 2}, {'missing image': 2}, id='vqa-rad'),
    pytest.param('slake', 'slake', ['imgs/xmlab104/source.jpg'], [],
                 {'train': 2, 'validate': 1}, {'missing image': 2, 'q_lang=zh': 2}, id='slake'),
    pytest.param('pathvqa', 'pathvqa-pickle', ['images/test/test_0001.jpg'], ['--allow-pickle'],
                 {'train': 2, 'val': 2, 'test': 1}, {'missing image': 1}, id='pathvqa-pickle'),
    pytest.param('pmc', 'pmc', ['images/22360835_F1.jpg'], [], {'all': 1}, {'missing image': 1}, id='pmc'),
]


@pytest.mark.parametrize('name, fixture, deleted, args, splits, skipped', SKIP_MISSING_CASES)
def test_skip_missing_counts_missing_images(cli, fresh_copy, name, fixture, deleted, args, splits, skipped):
    "--skip-missing leaves out a record whose image file is gone and counts it under skipped."
    root = fresh_copy(fixture)
    for relative in deleted: (root/relative).unlink()
    summary = parse_summary(cli(summary_argv(name, root, *args, '--skip-missing')))
    assert summary['splits'] == splits
    assert summary['skipped'] == skipped


def test_skip_missing_for_llava_conversations(cli, fresh_copy):
    "A LLaVA conversation whose image is missing is counted; without --images the images are looked for next to the file."
    root = fresh_copy('pmc')
    (root/'images'/'22360835_F1.jpg').unlink()
    summary = parse_summary(cli(summary_argv('llava', root/LLAVA_FILE, '--images', root/'images', '--skip-missing')))
    assert summary == {'benchmark': 'llava', 'splits': {'all': 1}, 'attributes': {'domain': {'chest_xray': 1}},
                       'skipped': {'missing image': 1}, 'missing': {}, 'rewritten': {}, 'dropped_images': {'all': 1}, 'notes': []}
    beside_the_file = parse_summary(cli(summary_argv('llava', root/LLAVA_FILE, '--skip-missing')))
    assert beside_the_file['splits'] == {} and beside_the_file['skipped'] == {'missing image': 2}


def test_skip_missing_end_to_end(medvlm_cmd, fresh_copy):
    "The same through the console script: exit 0, the missing image counted, the rest read."
    root = fresh_copy('wbcatt')
    (root/'PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg').unlink()
    summary = parse_summary(medvlm_cmd(summary_argv('wbcatt', root, '--skip-missing')))
    assert summary['splits'] == {'train': 3, 'val': 1, 'test': 2}
    assert summary['skipped'] == {'missing image': 1}
    assert summary['attributes']['label']['Lymphocyte'] == 1


# ---------------------------------------------------------------------------------------------------------------------
# 2. Bad input: every broken file gives exit 2 and one stderr line naming file, place and field
# ---------------------------------------------------------------------------------------------------------------------

def _open_text(path:Path, mode:str):
    "Open a CSV for reading/writing text, gunzipping/gzipping `.gz` files as MIMIC-CXR ships them."
    if path.suffix == '.gz': return gzip.open(path, mode + 't', newline='', encoding='utf-8')
    return open(path, mode, newline='', encoding='utf-8')

def _read_rows(path:Path) -> list:
    with _open_text(path, 'r') as f: return list(csv.reader(f))

def _write_rows(path:Path, rows:list) -> None:
    with _open_text(path, 'w') as f: csv.writer(f, lineterminator='\n').writerows(rows)

def set_cell(file:str, row:int, column:str, value:str):
    "Set `column` of data row `row` (1-based, header not counted, as the messages count) of CSV `file`."
    def mutate(root):
        rows = _read_rows(root/file)
        column_index = rows[0].index(column)
        assert rows[row][column_index] != value
        rows[row][column_index] = value
        _write_rows(root/file, rows)
    return mutate

def drop_column(file:str, column:str):
    def mutate(root):
        rows = _read_rows(root/file)
        column_index = rows[0].index(column)
        _write_rows(root/file, [r[:column_index] + r[column_index + 1:] for r in rows])
    return mutate

def header_only(file:str):
    def mutate(root):
        rows = _read_rows(root/file)
        assert len(rows) > 1
        _write_rows(root/file, rows[:1])
    return mutate

def empty_file(file:str):
    "Truncate `file` to 0 bytes (for a .csv.gz too: not even a gzip header)."
    return lambda root: (root/file).write_bytes(b'')

def delete(file:str):
    return lambda root: (root/file).unlink()

def write_text(file:str, text:str):
    return lambda root: (root/file).write_text(text, encoding='utf-8')

def replace_text(file:str, old:str, new:str):
    "Replace the first `old` in `file` by `new`."
    def mutate(root):
        text = (root/file).read_text(encoding='utf-8')
        assert old in text
        (root/file).write_text(text.replace(old, new, 1), encoding='utf-8')
    return mutate

def edit_item(file:str, index:int, edit):
    "Apply `edit` (dict -> dict) to item `index` of the JSON list in `file`."
    def mutate(root):
        data = json.loads((root/file).read_text(encoding='utf-8'))
        data[index] = edit(dict(data[index]))
        (root/file).write_text(json.dumps(data, indent=1), encoding='utf-8')
    return mutate

def without(key:str): return lambda item: {k: v for k, v in item.items() if k != key}
def with_value(key:str, value): return lambda item: {**item, key: value}

def edit_parquet(file:str, edit):
    def mutate(root):
        edit(pd.read_parquet(root/file)).to_parquet(root/file, index=False)
    return mutate

def write_pickle(file:str, obj):
    def mutate(root):
        with open(root/file, 'wb') as f: pickle.dump(obj, f)
    return mutate

def unchanged(root): pass

def no_image_bytes_in_row_2(table):
    table.at[1, 'image'] = {'bytes': None, 'path': 'lost.jpg'}
    return table


MIMIC_CHEXPERT, MIMIC_SPLIT = 'mimic-cxr-2.0.0-chexpert.csv.gz', 'mimic-cxr-2.0.0-split.csv.gz'
VQA_RAD_JSON = 'VQA_RAD Dataset Public.json'
CBIS_CSV = 'csv/{}_case_description_{}_set.csv'

def bad(case_id, name, fixture, mutate, expected, args=(), root=''):
    """One bad-input case: run `data summary name --root <copy of fixture>/root args` after `mutate(copy)`.
    `{root}` in `expected` and `args` stands for the copy's folder."""
    return pytest.param(name, fixture, mutate, expected, list(args), root, id=case_id)

BAD_INPUT = [
    # --- WBCAtt
    bad('wbcatt-missing-column', 'wbcatt', 'wbcatt', drop_column('pbc_attr_v1_train.csv', 'cell_size'),
        ["{root}/pbc_attr_v1_train.csv: field 'cell_size'", "missing column 'cell_size'"]),
    bad('wbcatt-unknown-value', 'wbcatt', 'wbcatt', set_cell('pbc_attr_v1_val.csv', 1, 'cell_size', 'huge'),
        ["{root}/pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), field 'cell_size'", "unknown value 'huge'"]),
    bad('wbcatt-label-nil', 'wbcatt', 'wbcatt', set_cell('pbc_attr_v1_train.csv', 2, 'label', 'nil'),
        ["{root}/pbc_attr_v1_train.csv: line 3 (1-based, header = line 1), field 'label'", "unknown value 'nil'"]),
    bad('wbcatt-missing-image', 'wbcatt', 'wbcatt', delete('PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg'),
        ["{root}/pbc_attr_v1_train.csv: line 4 (1-based, header = line 1), field 'path'", 'lymphocyte/LY_200.jpg', '--skip-missing']),
    bad('wbcatt-empty-csv', 'wbcatt', 'wbcatt', empty_file('pbc_attr_v1_test.csv'),
        ["{root}/pbc_attr_v1_test.csv: empty file"]),
    bad('wbcatt-header-only-csv', 'wbcatt', 'wbcatt', header_only('pbc_attr_v1_val.csv'),
        ["{root}/pbc_attr_v1_val.csv: no data rows"]),
    bad('wbcatt-csv-missing', 'wbcatt', 'wbcatt', delete('pbc_attr_v1_train.csv'),
        ["{root}/pbc_attr_v1_train.csv: file not found"]),
    # --- SKINCON
    bad('skincon-concept-value-2', 'skincon', 'skincon', set_cell('annotations_fitzpatrick17k.csv', 3, 'Nodule', '2'),
        ["{root}/annotations_fitzpatrick17k.csv: line 4 (1-based, header = line 1), field 'Nodule'", "unknown value '2'"]),
    bad('skincon-missing-exclusion-column', 'skincon', 'skincon',
        drop_column('annotations_fitzpatrick17k.csv', 'Do not consider this image'),
        ["{root}/annotations_fitzpatrick17k.csv: field 'Do not consider this image'", 'missing column']),
    bad('skincon-missing-image', 'skincon', 'skincon', delete('images/03a3f9c2e1b7d04f6e8a1c5b9d2e7f0a.jpg'),
        ["{root}/annotations_fitzpatrick17k.csv: line 5 (1-based, header = line 1), field 'ImageID'", '03a3f9c2e1b7d04f6e8a1c5b9d2e7f0a.jpg']),
    bad('skincon-header-only-csv', 'skincon', 'skincon', header_only('annotations_fitzpatrick17k.csv'),
        ["{root}/annotations_fitzpatrick17k.csv: no data rows"]),
    # --- CBIS-DDSM (TCIA DICOM and Kaggle JPEG)
    bad('cbis-calc-missing-breast-density', 'cbis', 'cbis', drop_column(CBIS_CSV.format('calc', 'train'), 'breast density'),
        ["{root}/csv/calc_case_description_train_set.csv: field 'breast density'", "missing column 'breast density'"]),
    bad('cbis-unknown-mass-shape', 'cbis', 'cbis', set_cell(CBIS_CSV.format('mass', 'test'), 2, 'mass shape', 'ROUND-STAR'),
        ["{root}/csv/mass_case_description_test_set.csv: line 5 (1-based, header = line 1), field 'mass shape'", "'STAR'"]),
    bad('cbis-unknown-pathology', 'cbis', 'cbis', set_cell(CBIS_CSV.format('mass', 'train'), 1, 'pathology', 'UNSURE'),
        ["{root}/csv/mass_case_description_train_set.csv: line 2 (1-based, header = line 1), field 'pathology'", "unknown value 'UNSURE'"]),
    bad('cbis-missing-dicom', 'cbis', 'cbis',
        delete('Calc-Test_P_00038_LEFT_CC_1/1.3.6.1.4.1.9590.100.1.2.1010/1.3.6.1.4.1.9590.100.1.2.2010/000001.dcm'),
        ["{root}/csv/calc_case_description_test_set.csv: line 2 (1-based, header = line 1), field 'cropped image file path'",
         'Calc-Test_P_00038_LEFT_CC_1/']),
    bad('cbis-empty-csv', 'cbis', 'cbis', empty_file(CBIS_CSV.format('mass', 'test')),
        ["{root}/csv/mass_case_description_test_set.csv: empty file"]),
    bad('cbis-kaggle-two-crops-for-one-case', 'cbis', 'cbis-jpeg',
        set_cell('csv/dicom_info.csv', 2, 'SeriesDescription', 'cropped images'),
        ["{root}/csv/dicom_info.csv: line 3 (1-based, header = line 1), field 'PatientID'", "two cropped images for 'Mass-Training_P_00001_LEFT_CC_1'"]),
    bad('cbis-kaggle-missing-jpeg', 'cbis', 'cbis-jpeg', delete('jpeg/1.3.6.1.4.1.9590.100.1.2.2003/1-1.jpg'),
        ["{root}/csv/mass_case_description_train_set.csv: line 8 (1-based, header = line 1), field 'cropped image file path'",
         '1.3.6.1.4.1.9590.100.1.2.2003/1-1.jpg']),
    # --- MIMIC-CXR (gzipped CSVs)
    bad('mimic-chexpert-value-2.0', 'mimic-cxr', 'mimic-cxr', set_cell(MIMIC_CHEXPERT, 2, 'Cardiomegaly', '2.0'),
        ["{root}/mimic-cxr-2.0.0-chexpert.csv.gz: line 3 (1-based, header = line 1), field 'Cardiomegaly'", "unknown value '2.0'"]),
    bad('mimic-unknown-split', 'mimic-cxr', 'mimic-cxr', set_cell(MIMIC_SPLIT, 4, 'split', 'val'),
        ["{root}/mimic-cxr-2.0.0-split.csv.gz: line 5 (1-based, header = line 1), field 'split'", "unknown value 'val'"]),
    bad('mimic-split-missing-column', 'mimic-cxr', 'mimic-cxr', drop_column(MIMIC_SPLIT, 'split'),
        ["{root}/mimic-cxr-2.0.0-split.csv.gz: field 'split'", "missing column 'split'"]),
    bad('mimic-empty-csv', 'mimic-cxr', 'mimic-cxr', empty_file(MIMIC_SPLIT),
        ["{root}/mimic-cxr-2.0.0-split.csv.gz: empty file"]),
    bad('mimic-header-only-csv', 'mimic-cxr', 'mimic-cxr', header_only(MIMIC_CHEXPERT),
        ["{root}/mimic-cxr-2.0.0-chexpert.csv.gz: no data rows"]),
    bad('mimic-missing-image', 'mimic-cxr', 'mimic-cxr',
        delete('files/p10/p10000764/s57375967/096052b7-d256dc40-453a102b-fa7d01c6-1b22c6b4.jpg'),
        ["{root}/mimic-cxr-2.0.0-split.csv.gz: line 5 (1-based, header = line 1), field 'dicom_id'", '096052b7-d256dc40-453a102b-fa7d01c6-1b22c6b4.jpg']),
    # --- VQA-RAD
    bad('vqa-rad-malformed-json', 'vqa-rad', 'vqa-rad', replace_text(VQA_RAD_JSON, '"answer_type": "OPEN"', '"answer_type": OPEN'),
        ["{root}/VQA_RAD Dataset Public.json: line 48, column 24", 'not valid JSON']),
    bad('vqa-rad-missing-field', 'vqa-rad', 'vqa-rad', edit_item(VQA_RAD_JSON, 2, without('answer_type')),
        ["{root}/VQA_RAD Dataset Public.json: item 2 (0-based index, qid 3), field 'answer_type'", 'missing']),
    bad('vqa-rad-null-answer-type', 'vqa-rad', 'vqa-rad', edit_item(VQA_RAD_JSON, 3, with_value('answer_type', None)),
        ["{root}/VQA_RAD Dataset Public.json: item 3 (0-based index, qid 4), field 'answer_type'", 'expected an answer type']),
    bad('vqa-rad-missing-image', 'vqa-rad', 'vqa-rad', delete('VQA_RAD Image Folder/synpic42202.jpg'),
        ["{root}/VQA_RAD Dataset Public.json: item 4 (0-based index", "), field 'image_name'", 'synpic42202.jpg']),
    bad('vqa-rad-null-image-name', 'vqa-rad', 'vqa-rad', edit_item(VQA_RAD_JSON, 1, with_value('image_name', None)),
        ["{root}/VQA_RAD Dataset Public.json: item 1 (0-based index", "), field 'image_name'"]),
    # --- SLAKE
    bad('slake-malformed-json', 'slake', 'slake', replace_text('validate.json', '"answer_type": "CLOSED"', '"answer_type": CLOSED'),
        ["{root}/validate.json: line 10, column 18", 'not valid JSON']),
    bad('slake-missing-image', 'slake', 'slake', delete('imgs/xmlab103/source.jpg'),
        ["{root}/validate.json: item 0 (0-based index", "), field 'img_name'", 'xmlab103/source.jpg']),
    bad('slake-missing-field', 'slake', 'slake', edit_item('test.json', 1, without('q_lang')),
        ["{root}/test.json: item 1 (0-based index", "), field 'q_lang'", 'missing']),
    bad('slake-json-missing', 'slake', 'slake', delete('validate.json'), ["{root}/validate.json: file not found"]),
    bad('slake-null-image-name', 'slake', 'slake', edit_item('train.json', 0, with_value('img_name', None)),
        ["{root}/train.json: item 0 (0-based index", "), field 'img_name'"]),
    # --- PathVQA (parquet and pickles)
    bad('pathvqa-pickle-without-allow-pickle', 'pathvqa', 'pathvqa-pickle', unchanged,
        ["{root}/qas: refusing to unpickle", '--allow-pickle']),
    bad('pathvqa-parquet-missing-column', 'pathvqa', 'pathvqa',
        edit_parquet('data/test-00000-of-00001.parquet', lambda t: t.drop(columns=['answer'])),
        ["{root}/data/test-00000-of-00001.parquet: field 'answer'", "missing column 'answer'"]),
    bad('pathvqa-parquet-no-image-bytes', 'pathvqa', 'pathvqa',
        edit_parquet('data/train-00000-of-00001.parquet', no_image_bytes_in_row_2),
        ["{root}/data/train-00000-of-00001.parquet: row 2 (1-based), field 'image'", 'no encoded image bytes']),
    bad('pathvqa-parquet-unreadable', 'pathvqa', 'pathvqa', write_text('data/validation-00000-of-00001.parquet', 'not parquet'),
        ["{root}/data/validation-00000-of-00001.parquet: not a readable parquet file"]),
    bad('pathvqa-pickle-missing-field', 'pathvqa', 'pathvqa-pickle',
        write_pickle('qas/val/val_qa.pkl', [{'image': 'val_0000', 'question': 'Is this a liver?'}]),
        ["{root}/qas/val/val_qa.pkl: item 0 (0-based index", "), field 'answer'", 'missing'], args=['--allow-pickle']),
    bad('pathvqa-pickle-missing-image', 'pathvqa', 'pathvqa-pickle', delete('images/test/test_0001.jpg'),
        ["{root}/qas/test/test_qa.pkl: item 1 (0-based index", "), field 'image'", 'images/test/test_0001.jpg'], args=['--allow-pickle']),
    # --- PMC figure captions
    bad('pmc-unknown-domain', 'pmc', 'pmc',
        edit_item(PMC_CAPTIONS, 1, lambda item: {**item, 'domain': {**item['domain'], 'xray': True}}),
        [f"{{root}}/{PMC_CAPTIONS}: item 1 (0-based index", "), field 'domain'", 'chest_xray, mri, ct_scan, histology, gross']),
    bad('pmc-missing-image', 'pmc', 'pmc', delete('images/22360835_F1.jpg'),
        [f"{{root}}/{PMC_CAPTIONS}: item 1 (0-based index", "), field 'pair_id'", 'images/22360835_F1.jpg']),
    bad('pmc-missing-field', 'pmc', 'pmc', edit_item(PMC_CAPTIONS, 0, without('fig_caption')),
        [f"{{root}}/{PMC_CAPTIONS}: item 0 (0-based index", "), field 'fig_caption'", 'missing']),
    bad('pmc-malformed-json', 'pmc', 'pmc', write_text(PMC_CAPTIONS, '[{"pair_id": "18627621_F2",}]'),
        [f"{{root}}/{PMC_CAPTIONS}: line 1, column 28", 'not valid JSON']),
    bad('pmc-mention-without-tokens', 'pmc', 'pmc', edit_item(PMC_CAPTIONS, 0, with_value('in_text_mention', [{'entities': []}])),
        [f"{{root}}/{PMC_CAPTIONS}: item 0 (0-based index", "), field 'in_text_mention'"]),
    # --- LLaVA conversations (the root is the JSON file)
    bad('llava-duplicate-id', 'llava', 'pmc', edit_item(LLAVA_FILE, 1, with_value('id', '18627621_F2')),
        [f"{{root}}/{LLAVA_FILE}: item 1 (0-based index", "), field 'id'", "duplicate id '18627621_F2'"],
        args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-missing-image', 'llava', 'pmc', delete('images/18627621_F2.jpg'),
        [f"{{root}}/{LLAVA_FILE}: item 0 (0-based index", "), field 'image'", 'images/18627621_F2.jpg'],
        args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-turns-out-of-order', 'llava', 'pmc',
        edit_item(LLAVA_FILE, 1, lambda item: {**item, 'conversations': item['conversations'][::-1]}),
        [f"{{root}}/{LLAVA_FILE}: item 1 (0-based index", "), field 'conversations[0].from'", "expected 'human', got 'gpt'"],
        args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-image-token-missing', 'llava', 'pmc',
        edit_item(LLAVA_FILE, 1, lambda item: {**item, 'conversations': [{'from': 'human', 'value': 'Describe it.'},
                                                                         item['conversations'][1]]}),
        [f"{{root}}/{LLAVA_FILE}: item 1 (0-based index", "), field 'conversations'", '<image>'],
        args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-malformed-json', 'llava', 'pmc', replace_text(LLAVA_FILE, '"from": "human"', "'from': 'human'"),
        [f"{{root}}/{LLAVA_FILE}: line 14, column 5", 'not valid JSON'],
        args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-unknown-domain', 'llava', 'pmc', edit_item(LLAVA_FILE, 0, with_value('domain', {'xray': True})),
        [f"{{root}}/{LLAVA_FILE}: item 0 (0-based index", "), field 'domain'"], args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-non-string-image', 'llava', 'pmc', edit_item(LLAVA_FILE, 1, with_value('image', 5)),
        [f"{{root}}/{LLAVA_FILE}: item 1 (0-based index", "), field 'image'"], args=['--images', '{root}/images'], root=LLAVA_FILE),
    bad('llava-empty-list', 'llava', 'pmc', write_text(LLAVA_FILE, '[]'),
        [f"{{root}}/{LLAVA_FILE}: empty list"], args=['--images', '{root}/images'], root=LLAVA_FILE),
    # --- empty cells and empty tables that would otherwise pass unnoticed
    bad('wbcatt-empty-image-path', 'wbcatt', 'wbcatt', set_cell('pbc_attr_v1_val.csv', 1, 'path', ''),
        ["{root}/pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), field 'path'", 'names no image file']),
    bad('pathvqa-parquet-no-rows', 'pathvqa', 'pathvqa', edit_parquet('data/validation-00000-of-00001.parquet', lambda t: t.iloc[:0]),
        ["{root}/data/validation-00000-of-00001.parquet: no data rows"]),
]


def _broken_copy(fresh_copy, fixture, mutate, expected, args, root_in):
    "(argv root, args, expected) for one bad-input case, after breaking a fresh copy of `fixture`."
    root = fresh_copy(fixture)
    mutate(root)
    fill = lambda text: text.replace('{root}', str(root))
    return root/root_in if root_in else root, [fill(a) for a in args], [fill(e) for e in expected]


@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in', BAD_INPUT)
def test_bad_input_gives_one_line_naming_file_place_and_field(cli, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "Broken input exits 2 with one 'medvlm: FILE: row/item N, field F: problem' line and no traceback."
    root, args, expected = _broken_copy(fresh_copy, fixture, mutate, expected, args, root_in)
    assert_one_line_error(cli(summary_argv(name, root, *args)), expected)


def test_bad_input_table_covers_every_loader_twice():
    "The table above keeps at least two cases for each of the nine loaders."
    from medvlm.data.datasets import LOADERS
    names = [case.values[0] for case in BAD_INPUT]
    assert {name: names.count(name) >= 2 for name in LOADERS} == {name: True for name in LOADERS}


END_TO_END_BAD = ['wbcatt-unknown-value', 'mimic-chexpert-value-2.0', 'pathvqa-pickle-without-allow-pickle', 'llava-duplicate-id']

@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in',
                         [case for case in BAD_INPUT if case.id in END_TO_END_BAD])
def test_bad_input_end_to_end(medvlm_cmd, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "A few of the cases through the console script: the process itself exits 2 with one line."
    root, args, expected = _broken_copy(fresh_copy, fixture, mutate, expected, args, root_in)
    assert_one_line_error(medvlm_cmd(summary_argv(name, root, *args)), expected)


# ---------------------------------------------------------------------------------------------------------------------
# 3. Usage errors
# ---------------------------------------------------------------------------------------------------------------------

def test_option_that_does_not_apply_is_refused(cli):
    "--allow-pickle means nothing to WBCAtt: exit 2, one line naming the option and the dataset."
    assert_one_line_error(cli(summary_argv('wbcatt', FIXTURES/'wbcatt', '--allow-pickle')),
                          ["'allow_pickle' does not apply to wbcatt"])


def test_unknown_split_is_refused(cli):
    "A misspelled --split is an error naming the split and the dataset's splits, not an empty summary."
    assert_one_line_error(cli(summary_argv('cbis', FIXTURES/'cbis', '--split', 'tset')),
                          ["unknown split 'tset' for cbis", 'train, val, test'])


def test_set_without_equals_is_refused(cli):
    "--set seed (no '=') exits 2 with one line that names the bad --set argument."
    assert_one_line_error(cli(['--set', 'seed', *summary_argv('wbcatt', FIXTURES/'wbcatt')]), ["--set 'seed'"])


def test_set_without_section_is_refused(cli):
    "--set seed=3 (no section) exits 2 with one line that says how to write it."
    assert_one_line_error(cli(['--set', 'seed=3', *summary_argv('wbcatt', FIXTURES/'wbcatt')]),
                          ["'seed'", 'section.key'])


def test_root_that_does_not_exist(medvlm_cmd, tmp_path):
    "A --root that does not exist exits 2 with one line naming the path."
    missing = tmp_path/'no-such-folder'
    assert_one_line_error(medvlm_cmd(summary_argv('wbcatt', missing)), [f"{missing}: wbcatt data not found"])


def test_settings_file_that_does_not_exist(cli, tmp_path):
    "--settings naming a missing file exits 2 with one line naming it."
    missing = tmp_path/'nowhere.ini'
    assert_one_line_error(cli(['--settings', missing, *summary_argv('wbcatt', FIXTURES/'wbcatt')]), [str(missing)])


# ---------------------------------------------------------------------------------------------------------------------
# 4. Settings through the CLI
# ---------------------------------------------------------------------------------------------------------------------

def test_data_root_from_environment(medvlm_cmd, tmp_path):
    "MEDVLM_DATA_SLAKE tells `data summary slake` where SLAKE is; no --root needed."
    result = medvlm_cmd(['data', 'summary', 'slake'], env=clean_env(MEDVLM_DATA_SLAKE=str(FIXTURES/'slake')), cwd=tmp_path)
    assert parse_summary(result) == SLAKE_SUMMARY


def test_data_root_from_set_option(medvlm_cmd, tmp_path):
    "--set data.slake=PATH works the same as the environment variable."
    result = medvlm_cmd(['--set', f"data.slake={FIXTURES/'slake'}", 'data', 'summary', 'slake'], cwd=tmp_path)
    assert parse_summary(result) == SLAKE_SUMMARY


def test_data_root_from_settings_file(medvlm_cmd, tmp_path):
    "MEDVLM_SETTINGS points at a settings.ini whose [data] slake, relative, is resolved against the file's folder."
    config = tmp_path/'config'
    shutil.copytree(FIXTURES/'slake', config/'datasets'/'slake')
    (config/'settings.ini').write_text('[data]\nslake = datasets/slake\n', encoding='utf-8')
    elsewhere = tmp_path/'elsewhere'; elsewhere.mkdir()
    result = medvlm_cmd(['data', 'summary', 'slake'], env=clean_env(MEDVLM_SETTINGS=str(config/'settings.ini')), cwd=elsewhere)
    assert parse_summary(result) == SLAKE_SUMMARY


def test_settings_precedence(cli, monkeypatch, tmp_path):
    "--root beats --set, which beats MEDVLM_DATA_SLAKE; a bad environment root is named in the error."
    missing = tmp_path/'not-here'
    monkeypatch.setenv('MEDVLM_DATA_SLAKE', str(missing))
    assert_one_line_error(cli(['data', 'summary', 'slake']), [f"{missing}: slake data not found"])
    assert parse_summary(cli(['--set', f"data.slake={FIXTURES/'slake'}", 'data', 'summary', 'slake'])) == SLAKE_SUMMARY
    assert parse_summary(cli(['--set', f'data.slake={missing}', *summary_argv('slake', FIXTURES/'slake')])) == SLAKE_SUMMARY


# ---------------------------------------------------------------------------------------------------------------------
# 5. Loaders feeding the benchmark rules, with hand-worked expectations
# ---------------------------------------------------------------------------------------------------------------------

DESCRIPTIONS = [
    # Lymphocyte,small,round,unsegmented-round,high,densely,no,clear,blue,nil,nil,no: 'no' and nil dropped.
    pytest.param('wbcatt', 'wbcatt', {}, 'LY_200.jpg',
                 'Lymphocyte, small cell size, round cell shape, unsegmented-round nucleus shape, '
                 'high nuclear cytoplasmic ratio, densely chromatin density, clear cytoplasm texture, blue cytoplasm colour',
                 id='wbcatt-LY_200'),
    # Monocyte,big,irregular,unsegmented-indented,low,loosely,yes,frosted,purple blue,small,purple,yes: 'yes' -> name.
    pytest.param('wbcatt', 'wbcatt', {}, 'MO_300.jpg',
                 'Monocyte, big cell size, irregular cell shape, unsegmented-indented nucleus shape, '
                 'low nuclear cytoplasmic ratio, loosely chromatin density, cytoplasm vacuole, frosted cytoplasm texture, '
                 'purple blue cytoplasm colour, small granule type, purple granule colour, granularity', id='wbcatt-MO_300'),
    pytest.param('cbis', 'cbis', {}, 'Calc-Training_P_00007_LEFT_CC_1',
                 'punctate-lucent centered calc type, segmental calc distribution, calcification, benign', id='cbis-P_00007'),
    pytest.param('cbis', 'cbis-jpeg', {}, 'Calc-Training_P_00007_LEFT_CC_1',
                 'punctate-lucent centered calc type, segmental calc distribution, calcification, benign',
                 id='cbis-jpeg-P_00007'),
    pytest.param('cbis', 'cbis', {}, 'Mass-Training_P_00001_LEFT_CC_1',
                 'irregular-architectural distortion mass shape, spiculated mass margins, mass, malignant', id='cbis-P_00001'),
    # empty mass margins are left out
    pytest.param('cbis', 'cbis', {}, 'Mass-Test_P_00017_LEFT_MLO_1', 'round mass shape, mass, benign', id='cbis-P_00017'),
    pytest.param('skincon', 'skincon', {}, '08a3f9c2e1b7d04f6e8a1c5b9d2e7f0a.jpg', 'erythema, plaque, scale',
                 id='skincon-row-8'),
    pytest.param('mimic-cxr', 'mimic-cxr', {}, '2a2277a9-b0ded155-c0de8eb9-c124d10e-82c5caab', 'cardiomegaly',
                 id='mimic-uncertain-negative'),
    pytest.param('mimic-cxr', 'mimic-cxr', {'policy': ChexpertPolicy(uncertain='positive')},
                 '2a2277a9-b0ded155-c0de8eb9-c124d10e-82c5caab', 'cardiomegaly, edema', id='mimic-uncertain-positive'),
    pytest.param('mimic-cxr', 'mimic-cxr', {}, '02aa804e-bde0afdd-112c0b34-7bc16630-4e384014', 'no finding',
                 id='mimic-no-finding'),
]


@pytest.mark.parametrize('name, fixture, options, record_id, expected', DESCRIPTIONS)
def test_description_of_a_loaded_record(name, fixture, options, record_id, expected):
    "describe() of a record read by the loader equals the description worked out by hand from the rules."
    records = {r.id: r for r in load_dataset(name, FIXTURES/fixture, **options).items}
    assert describe(records[record_id]) == expected


def true_option(record, key:str) -> str:
    "The correct option text for MCQ `key` on `record`, worked out independently of the MCQ builder."
    attributes = record.attributes
    if record.benchmark == 'wbcatt': return attributes[key]
    if record.benchmark == 'cbis':
        if key == 'pathology': return 'benign' if attributes[key] in ('BENIGN', 'BENIGN_WITHOUT_CALLBACK') else 'malignant'
        if key == 'abnormality type': return attributes[key]
        return attributes[key].lower().replace('_', ' ')
    vocabulary = SKINCON_CONCEPTS if record.benchmark == 'skincon' else CHEXPERT_LABELS
    return ', '.join(c.lower() for c in vocabulary if attributes[c] == 1) or 'no finding'


# (dataset, fixture, number of MCQs, option counts)
MCQ_FIXTURES = [
    pytest.param('wbcatt', 'wbcatt', 7, None, id='wbcatt'),            # one per cell
    pytest.param('skincon', 'skincon', 9, {5}, id='skincon'),          # nine distinct concept sets: 4 distractors each
    # lesion keys with exactly one value (17 of 20) plus abnormality type and pathology for all 10 lesions
    pytest.param('cbis', 'cbis', 37, {2, 5}, id='cbis'),
    pytest.param('cbis', 'cbis-jpeg', 37, {2, 5}, id='cbis-jpeg'),
    pytest.param('mimic-cxr', 'mimic-cxr', 5, {4}, id='mimic-cxr'),    # four distinct finding sets: 3 distractors each
]


@pytest.mark.parametrize('name, fixture, count, option_counts', MCQ_FIXTURES)
def test_mcqs_built_from_each_fixture(name, fixture, count, option_counts):
    "Every MCQ has distinct options, its answer letter points at the true value, and the prompt ends with the instruction."
    records = {r.id: r for r in load_dataset(name, FIXTURES/fixture).items}
    items, skipped = build_mcqs(list(records.values()), seed=0)
    assert len(items) == count and not skipped
    if option_counts: assert {len(item.options) for item in items} == option_counts
    for item in items:
        letters = list('ABCDEFGHIJ'[:len(item.options)])
        assert len(set(item.options)) == len(item.options), item
        assert item.answer in letters, item
        assert item.options[letters.index(item.answer)] == true_option(records[item.record_id], item.key), item
        prompt = mcq_prompt(item)
        assert prompt.startswith(item.question + '\n')
        assert all(f"\n{letter}. {option}\n" in prompt for letter, option in zip(letters, item.options))
        assert prompt.endswith('Response with only the letter of the correct choice, starting with '
                               f'"The correct answer is [{" or ".join(letters)}]".')
    assert build_mcqs(list(records.values()), seed=0)[0] == items  # the same seed gives the same questions
