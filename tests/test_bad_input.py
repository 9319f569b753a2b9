"""Issue 22: bad input never passes silently, nothing is read from outside the dataset's root.

Each case breaks a fresh copy of a fixture in its released layout and runs `medvlm data summary` as a user would.
The outcome is one of two: a refusal (exit 2, one stderr line naming file, place and field), or acceptance with
the same counts as the clean fixture. Places follow the loaders' conventions: a CSV record by the 1-based line it
starts on (header = line 1), a JSON list item by its 0-based index and id.
"""
import gzip, json, os, pickle, shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from conftest import FIXTURES
from test_loaders_cli import (LLAVA_FILE, PMC_CAPTIONS, VQA_RAD_JSON, MIMIC_CHEXPERT, MIMIC_SPLIT, CBIS_CSV, summary_argv,
                              parse_summary, assert_one_line_error, set_cell, edit_item, with_value, edit_parquet,
                              write_pickle, _read_rows, _write_rows)

LLAVA_ARGS = ['--images', '{root}/images']
MIMIC_META = 'mimic-cxr-2.0.0-metadata.csv.gz'


def run_case(cli, fresh_copy, name, fixture, mutate, args=(), root_in=''):
    "Break a fresh copy of `fixture` with `mutate(root)` and summarise it; (result, root)."
    root = fresh_copy(fixture)
    mutate(root)
    fill = lambda text: str(text).replace('{root}', str(root))
    return cli(summary_argv(name, root/root_in if root_in else root, *[fill(a) for a in args])), root


def clean_summary(cli, name, fixture, args=(), root_in=''):
    root = FIXTURES/fixture
    args = [str(a).replace('{root}', str(root)) for a in args]
    return parse_summary(cli(summary_argv(name, root/root_in if root_in else root, *args)))


# ---------------------------------------------------------------------------------------------------------------------
# 22.1 Paths stay inside the dataset's root
# ---------------------------------------------------------------------------------------------------------------------

def outside_image(root:Path) -> Path:
    "A readable image next to (outside) the copy's root: what a stray path would reach."
    target = root.parent.parent/'outside.jpg'
    Image.new('RGB', (8, 8)).save(target)
    return target

def point_csv(file:str, row:int, column:str, value):
    "Set a CSV cell to `value(root)` after placing an image outside the root."
    def mutate(root):
        target = outside_image(root)
        set_cell(file, row, column, value(root, target))(root)
    return mutate

def point_json(file:str, index:int, key:str, value):
    def mutate(root):
        target = outside_image(root)
        edit_item(file, index, with_value(key, value(root, target)))(root)
    return mutate

def climb(root, target, prefix=''):
    "A relative path with '..' from `root/prefix` to `target`."
    return os.path.relpath(target, root/prefix) if prefix else os.path.relpath(target, root)

def link_image(relative:str):
    "Replace the image at `relative` by a symbolic link to an image outside the root."
    def mutate(root):
        target = outside_image(root)
        (root/relative).unlink()
        (root/relative).symlink_to(target)
    return mutate

def outside(case_id, name, fixture, mutate, expected, args=(), root=''):
    return pytest.param(name, fixture, mutate, expected, list(args), root, id=case_id)

OUTSIDE_ROOT = [
    outside('wbcatt-dotdot', 'wbcatt', 'wbcatt', point_csv('pbc_attr_v1_val.csv', 1, 'path', lambda r, t: climb(r, t)),
            ["pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), field 'path'", "climbs out of the dataset root"]),
    outside('wbcatt-absolute', 'wbcatt', 'wbcatt', point_csv('pbc_attr_v1_val.csv', 1, 'path', lambda r, t: str(t)),
            ["pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), field 'path'", 'is absolute', '--allow-outside-root']),
    outside('wbcatt-symlink', 'wbcatt', 'wbcatt', link_image('PBC_dataset_normal_DIB/basophil/BA_400.jpg'),
            ["pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), field 'path'", 'resolves outside the dataset root']),
    outside('skincon-dotdot', 'skincon', 'skincon',
            point_csv('annotations_fitzpatrick17k.csv', 1, 'ImageID', lambda r, t: climb(r, t, 'images')),
            ["annotations_fitzpatrick17k.csv: line 2 (1-based, header = line 1), field 'ImageID'", 'climbs out']),
    outside('cbis-absolute-crop', 'cbis', 'cbis', point_csv(CBIS_CSV.format('calc', 'test'), 1, 'cropped image file path',
                                                            lambda r, t: str(t)),
            ["calc_case_description_test_set.csv: line 2 (1-based, header = line 1), field 'cropped image file path'", 'is absolute']),
    outside('cbis-kaggle-dotdot', 'cbis', 'cbis-jpeg', point_csv('csv/dicom_info.csv', 1, 'image_path', lambda r, t: climb(r, t)),
            ["csv/dicom_info.csv: line 2 (1-based, header = line 1), field 'image_path'", 'climbs out']),
    outside('mimic-dicom-id-path', 'mimic-cxr', 'mimic-cxr', set_cell(MIMIC_SPLIT, 1, 'dicom_id', '../../../../../outside'),
            ["mimic-cxr-2.0.0-split.csv.gz: line 2 (1-based, header = line 1), field 'dicom_id'", 'expected a plain name']),
    outside('mimic-files-linked-out', 'mimic-cxr', 'mimic-cxr',
            lambda root: (shutil.move(root/'files', root.parent/'elsewhere'), (root/'files').symlink_to(root.parent/'elsewhere')),
            ["mimic-cxr-2.0.0-split.csv.gz: line 2 (1-based, header = line 1), field 'dicom_id'", 'resolves outside']),
    outside('vqa-rad-dotdot', 'vqa-rad', 'vqa-rad',
            point_json(VQA_RAD_JSON, 0, 'image_name', lambda r, t: climb(r, t, 'VQA_RAD Image Folder')),
            ["VQA_RAD Dataset Public.json: item 0 (0-based index, qid 1), field 'image_name'", 'climbs out']),
    outside('slake-absolute', 'slake', 'slake', point_json('train.json', 0, 'img_name', lambda r, t: str(t)),
            ["train.json: item 0 (0-based index, qid 0), field 'img_name'", 'is absolute']),
    outside('pathvqa-pickle-dotdot', 'pathvqa', 'pathvqa-pickle',
            lambda root: (outside_image(root), write_pickle('qas/train/train_qa.pkl', [
                {'image': os.path.relpath(root.parent.parent/'outside', root/'images'/'train'), 'question': 'Liver?', 'answer': 'yes'}])(root)),
            ["qas/train/train_qa.pkl: item 0 (0-based index", "field 'image'", 'climbs out'], args=['--allow-pickle']),
    outside('pmc-pair-id-dotdot', 'pmc', 'pmc',
            point_json(PMC_CAPTIONS, 0, 'pair_id', lambda r, t: climb(r, t.with_suffix(''), 'images')),
            [f"{PMC_CAPTIONS}: item 0 (0-based index", "field 'pair_id'", 'climbs out']),
    outside('llava-absolute', 'llava', 'pmc', point_json(LLAVA_FILE, 0, 'image', lambda r, t: str(t)),
            [f"{LLAVA_FILE}: item 0 (0-based index, id '18627621_F2'), field 'image'", 'is absolute'], LLAVA_ARGS, LLAVA_FILE),
]

@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in', OUTSIDE_ROOT)
def test_image_paths_stay_inside_the_root(cli, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "Absolute, '..' and linked-out image paths are refused in every loader that takes a path (the target exists)."
    result, root = run_case(cli, fresh_copy, name, fixture, mutate, args, root_in)
    assert_one_line_error(result, [e.replace('{root}', str(root)) for e in expected])


def test_every_loader_keeps_paths_inside_the_root():
    from medvlm.data.datasets import LOADERS
    assert {case.values[0] for case in OUTSIDE_ROOT} == set(LOADERS)


def test_allow_outside_root_follows_the_path(cli, fresh_copy):
    "With --allow-outside-root a linked-out image is read, and the summary is the clean one."
    result, _ = run_case(cli, fresh_copy, 'wbcatt', 'wbcatt', link_image('PBC_dataset_normal_DIB/basophil/BA_400.jpg'),
                         ['--allow-outside-root'])
    assert parse_summary(result) == clean_summary(cli, 'wbcatt', 'wbcatt')


# ---------------------------------------------------------------------------------------------------------------------
# 22.2 Duplicate ids are errors
# ---------------------------------------------------------------------------------------------------------------------

def copy_row(file:str, row:int, to:str|None=None):
    "Append data row `row` of CSV `file` (1-based, header not counted) to `to` (default: the same file)."
    def mutate(root):
        rows = _read_rows(root/file)
        target = _read_rows(root/(to or file))
        _write_rows(root/(to or file), target + [rows[row]])
    return mutate

def copy_csv_row_with(file:str, row:int, **changes):
    def mutate(root):
        table = pd.read_csv(root/file, dtype=str, keep_default_na=False)
        extra = table.iloc[[row - 1]].assign(**changes)
        pd.concat([table, extra]).to_csv(root/file, index=False)
    return mutate

def copy_item(file:str, index:int, to:str|None=None, **changes):
    def mutate(root):
        data = json.loads((root/file).read_text(encoding='utf-8'))
        target = json.loads((root/(to or file)).read_text(encoding='utf-8'))
        (root/(to or file)).write_text(json.dumps(target + [{**data[index], **changes}]), encoding='utf-8')
    return mutate

DUPLICATES = [
    outside('wbcatt-img-name-in-two-splits', 'wbcatt', 'wbcatt', copy_row('pbc_attr_v1_train.csv', 1, 'pbc_attr_v1_test.csv'),
            ["pbc_attr_v1_test.csv: line 4 (1-based, header = line 1), field 'img_name'", 'duplicate img_name',
             'already read at pbc_attr_v1_train.csv, line 2']),
    outside('skincon-image-id', 'skincon', 'skincon', copy_row('annotations_fitzpatrick17k.csv', 2),
            ["annotations_fitzpatrick17k.csv: line 12 (1-based, header = line 1), field 'ImageID'", 'duplicate ImageID']),
    outside('cbis-abnormality', 'cbis', 'cbis', copy_csv_row_with(CBIS_CSV.format('mass', 'train'), 1),
            ["mass_case_description_train_set.csv", "field 'abnormality id'", 'duplicate abnormality']),
    outside('mimic-chexpert-study-other-labels', 'mimic-cxr', 'mimic-cxr',
            lambda root: copy_csv_row_with(MIMIC_CHEXPERT, 1, Edema='1.0')(root),
            ["mimic-cxr-2.0.0-chexpert.csv.gz: line 6 (1-based, header = line 1), field 'study_id'", 'duplicate study_id',
             '(different labels)']),
    outside('mimic-split-dicom', 'mimic-cxr', 'mimic-cxr', copy_row(MIMIC_SPLIT, 1),
            ["mimic-cxr-2.0.0-split.csv.gz: line 7 (1-based, header = line 1), field 'dicom_id'", 'duplicate dicom_id']),
    outside('mimic-metadata-dicom', 'mimic-cxr', 'mimic-cxr', copy_csv_row_with(MIMIC_META, 1, ViewPosition='AP'),
            ["mimic-cxr-2.0.0-metadata.csv.gz", "field 'dicom_id'", 'duplicate dicom_id']),
    outside('vqa-rad-qid', 'vqa-rad', 'vqa-rad', copy_item(VQA_RAD_JSON, 0, question='Another question?'),
            ["VQA_RAD Dataset Public.json: item 5 (0-based index, qid 1), field 'qid'", 'duplicate qid']),
    outside('slake-qid-across-files', 'slake', 'slake', copy_item('train.json', 0, 'test.json'),
            ["test.json: item 3 (0-based index, qid 0), field 'qid'", 'duplicate qid', 'already read at train.json, item 0']),
    outside('pmc-pair-id', 'pmc', 'pmc', copy_item(PMC_CAPTIONS, 0),
            [f"{PMC_CAPTIONS}: item 2 (0-based index, pair_id '18627621_F2'), field 'pair_id'", 'duplicate pair_id']),
    outside('llava-number-and-text-id', 'llava', 'pmc',
            lambda root: (edit_item(LLAVA_FILE, 0, with_value('id', 1))(root), edit_item(LLAVA_FILE, 1, with_value('id', '1'))(root)),
            [f"{LLAVA_FILE}: item 1 (0-based index, id '1'), field 'id'", 'duplicate id'], LLAVA_ARGS, LLAVA_FILE),
]

@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in', DUPLICATES)
def test_duplicate_ids_are_errors(cli, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "A second row or item with the same id is refused, naming where the first was read; nothing is counted twice."
    result, root = run_case(cli, fresh_copy, name, fixture, mutate, args, root_in)
    assert_one_line_error(result, expected)


# ---------------------------------------------------------------------------------------------------------------------
# 22.3 Values are read, not guessed
# ---------------------------------------------------------------------------------------------------------------------

def none_answer_in_row_1(table):
    table.at[0, 'answer'] = None
    return table

def truncate_file(file:str, keep:int):
    "Cut `file` (decompressed, then compressed again for .gz) to its first `keep` bytes, as a stopped download leaves it."
    def mutate(root):
        path = root/file
        data = gzip.decompress(path.read_bytes()) if path.suffix == '.gz' else path.read_bytes()
        path.write_bytes(gzip.compress(data[:keep]) if path.suffix == '.gz' else data[:keep])
    return mutate

def cut_gzip(file:str):
    return lambda root: (root/file).write_bytes((root/file).read_bytes()[:-12])

def latin1_cell(root):
    path = root/'pbc_attr_v1_val.csv'
    path.write_bytes(path.read_bytes().replace(b'Basophil,', b'Basophil\xe9,'))

REFUSED = [
    outside('pmc-domain-flag-no', 'pmc', 'pmc',
            edit_item(PMC_CAPTIONS, 0, lambda item: {**item, 'domain': {**item['domain'], 'mri': 'no'}}),
            [f"{PMC_CAPTIONS}: item 0 (0-based index", "field 'domain'", 'booleans']),
    outside('llava-domain-flag-no', 'llava', 'pmc', edit_item(LLAVA_FILE, 0, lambda item: {**item, 'domain': {**item['domain'], 'mri': 'no'}}),
            [f"{LLAVA_FILE}: item 0 (0-based index", "field 'domain'", 'booleans'], LLAVA_ARGS, LLAVA_FILE),
    outside('pmc-null-caption', 'pmc', 'pmc', edit_item(PMC_CAPTIONS, 1, with_value('fig_caption', None)),
            [f"{PMC_CAPTIONS}: item 1 (0-based index", "field 'fig_caption'", 'expected text, got None']),
    outside('vqa-rad-null-answer', 'vqa-rad', 'vqa-rad', edit_item(VQA_RAD_JSON, 1, with_value('answer', None)),
            ["VQA_RAD Dataset Public.json: item 1 (0-based index, qid 2), field 'answer'", 'got None']),
    outside('slake-dict-answer', 'slake', 'slake', edit_item('train.json', 0, with_value('answer', {'text': 'X-Ray'})),
            ["train.json: item 0 (0-based index, qid 0), field 'answer'", "got {'text': 'X-Ray'}"]),
    outside('slake-null-question', 'slake', 'slake', edit_item('test.json', 0, with_value('question', None)),
            ["test.json: item 0 (0-based index", "field 'question'", 'got None']),
    outside('llava-null-id', 'llava', 'pmc', edit_item(LLAVA_FILE, 1, with_value('id', None)),
            [f"{LLAVA_FILE}: item 1 (0-based index), field 'id'", 'got None'], LLAVA_ARGS, LLAVA_FILE),
    outside('vqa-rad-unknown-phrase-type', 'vqa-rad', 'vqa-rad', edit_item(VQA_RAD_JSON, 0, with_value('phrase_type', 'testing')),
            ["VQA_RAD Dataset Public.json: item 0 (0-based index, qid 1), field 'phrase_type'", "unknown value 'testing'"]),
    outside('slake-unknown-language', 'slake', 'slake', edit_item('train.json', 0, with_value('q_lang', 'english')),
            ["train.json: item 0 (0-based index, qid 0), field 'q_lang'", "unknown value 'english'"]),
    outside('pathvqa-parquet-null-answer', 'pathvqa', 'pathvqa', edit_parquet('data/train-00000-of-00001.parquet', none_answer_in_row_1),
            ["data/train-00000-of-00001.parquet: row 1 (1-based), field 'answer'", 'expected text, got']),
    outside('pathvqa-stray-parquet', 'pathvqa', 'pathvqa',
            lambda root: shutil.copy(root/'data/test-00000-of-00001.parquet', root/'data/notes-00000-of-00001.parquet'),
            ["data/notes-00000-of-00001.parquet: not a PathVQA split file", "'notes'"]),
    outside('wbcatt-truncated-csv', 'wbcatt', 'wbcatt',
            lambda root: truncate_file('pbc_attr_v1_train.csv', len((root/'pbc_attr_v1_train.csv').read_bytes()) - 60)(root),
            ["pbc_attr_v1_train.csv: line 5 (1-based, header = line 1)", 'truncated']),
    outside('mimic-truncated-gzip', 'mimic-cxr', 'mimic-cxr', cut_gzip(MIMIC_SPLIT),
            ["mimic-cxr-2.0.0-split.csv.gz: truncated"]),
    outside('cbis-unclosed-quote', 'cbis', 'cbis',
            lambda root: truncate_file(CBIS_CSV.format('calc', 'test'), len((root/CBIS_CSV.format('calc', 'test')).read_bytes()) - 20)(root),
            ["calc_case_description_test_set.csv: truncated"]),
    outside('wbcatt-undecodable-bytes', 'wbcatt', 'wbcatt', latin1_cell,
            ["pbc_attr_v1_val.csv: line 2 (1-based, header = line 1), byte", 'not UTF-8']),
    outside('slake-undecodable-bytes', 'slake', 'slake',
            lambda root: (root/'validate.json').write_bytes((root/'validate.json').read_bytes().replace(b'X-Ray', b'X-R\xe4y', 1)),
            ['validate.json: line', 'not UTF-8']),
]

@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in', REFUSED)
def test_values_are_read_not_guessed(cli, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "A flag written as text, a null or non-text value, an unknown enumeration, a stray split, a cut file: one line."
    result, root = run_case(cli, fresh_copy, name, fixture, mutate, args, root_in)
    assert_one_line_error(result, expected)


def upper_everywhere(files:list, key:str):
    def mutate(root):
        for file in files:
            data = json.loads((root/file).read_text(encoding='utf-8'))
            (root/file).write_text(json.dumps([{**item, key: item[key].upper()} for item in data]), encoding='utf-8')
    return mutate

def with_bom(files:list):
    def mutate(root):
        for file in files: (root/file).write_bytes(b'\xef\xbb\xbf' + (root/file).read_bytes())
    return mutate

ACCEPTED = [
    outside('slake-q-lang-upper-case', 'slake', 'slake', upper_everywhere(['train.json', 'validate.json', 'test.json'], 'q_lang'), []),
    outside('vqa-rad-phrase-type-upper-case', 'vqa-rad', 'vqa-rad', upper_everywhere([VQA_RAD_JSON], 'phrase_type'), []),
    outside('slake-json-with-bom', 'slake', 'slake', with_bom(['train.json', 'validate.json', 'test.json']), []),
    outside('llava-json-with-bom', 'llava', 'pmc', with_bom([LLAVA_FILE]), [], LLAVA_ARGS, LLAVA_FILE),
    outside('wbcatt-csv-with-bom', 'wbcatt', 'wbcatt', with_bom(['pbc_attr_v1_train.csv']), []),
]

@pytest.mark.parametrize('name, fixture, mutate, expected, args, root_in', ACCEPTED)
def test_spelling_variants_read_with_identical_counts(cli, fresh_copy, name, fixture, mutate, expected, args, root_in):
    "Enumerations compared case-insensitively and a byte-order mark (JSON like CSV) give the clean fixture's summary."
    result, root = run_case(cli, fresh_copy, name, fixture, mutate, args, root_in)
    assert parse_summary(result) == clean_summary(cli, name, fixture, args, root_in)


def test_cbis_without_the_abnormality_columns_keys_by_case_folder(cli, fresh_copy):
    "A CBIS-DDSM file without 'abnormality id' is not misread as duplicates: each case folder is still read once."
    from test_loaders_cli import drop_column
    def mutate(root):
        for kind in ('mass', 'calc'):
            for split in ('train', 'test'): drop_column(CBIS_CSV.format(kind, split), 'abnormality id')(root)
    result, _ = run_case(cli, fresh_copy, 'cbis', 'cbis', mutate)
    assert parse_summary(result)['splits'] == clean_summary(cli, 'cbis', 'cbis')['splits']


def test_error_line_quotes_at_most_about_200_characters(cli, fresh_copy):
    result, _ = run_case(cli, fresh_copy, 'wbcatt', 'wbcatt', set_cell('pbc_attr_v1_val.csv', 1, 'cell_size', 'huge' * 5000))
    assert_one_line_error(result, ["field 'cell_size'", 'more characters'])
    assert len(result.err) < 700, len(result.err)
    result, _ = run_case(cli, fresh_copy, 'slake', 'slake', edit_item('train.json', 0, with_value('answer', ['x' * 3000])))
    assert_one_line_error(result, ["field 'answer'", 'more characters'])
    assert len(result.err) < 700, len(result.err)


def test_a_file_without_a_final_line_break_is_read_and_a_cut_last_field_is_called_truncated(cli, fresh_copy):
    """A whole file may end without a line break (it is read as it is); a download cut inside the last field keeps the field
    count, so an error in that last record says the file may be cut short instead of only 'image not found'."""
    def unterminated(root):   # CheXpert's last record ends '...,1.0,1.0' with no line break after it: whole, and read
        path = root/MIMIC_CHEXPERT
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()).rstrip(b'\r\n')))
    result, _ = run_case(cli, fresh_copy, 'mimic-cxr', 'mimic-cxr', unterminated)
    assert result.rc == 0, result.err
    assert parse_summary(result)['splits'] == clean_summary(cli, 'mimic-cxr', 'mimic-cxr')['splits']
    def cut_path(root):   # WBCAtt's last field is the image path: cut, it names no image, and the error says why
        path = root/'pbc_attr_v1_test.csv'
        path.write_bytes(path.read_bytes().rstrip(b'\r\n')[:-5])
    result, _ = run_case(cli, fresh_copy, 'wbcatt', 'wbcatt', cut_path)
    assert_one_line_error(result, ["pbc_attr_v1_test.csv: line", "no line break after it (truncated?", "field 'path'"])


# ---------------------------------------------------------------------------------------------------------------------
# 22.4 Images are checked where they are used
# ---------------------------------------------------------------------------------------------------------------------

def break_image(relative:str, data:bytes=b'<html>404 Not Found</html>'):
    return lambda root: (root/relative).write_bytes(data)

def test_check_images_counts_unreadable_images(cli, fresh_copy):
    "--check-images opens every header; the unreadable ones are counted by split, each named by file and row."
    result, root = run_case(cli, fresh_copy, 'wbcatt', 'wbcatt', break_image('PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg'),
                            ['--check-images'])
    assert result.rc == 0, result.err
    summary = json.loads(result.out)
    assert summary['images'] == {'checked': 7, 'unreadable': {'train': 1}}
    assert summary['splits'] == clean_summary(cli, 'wbcatt', 'wbcatt')['splits']
    assert result.err.count('\n') == 1 and result.err.startswith(
        'medvlm: warning: pbc_attr_v1_train.csv, line 4 (1-based, header = line 1): unreadable image'), result.err

def test_check_images_reads_encoded_bytes_and_dicom(cli, fresh_copy):
    "PathVQA's parquet bytes and CBIS-DDSM's DICOM files are checked too."
    def corrupt(table):
        table.at[0, 'image'] = {'bytes': b'not an image', 'path': None}
        return table
    result, _ = run_case(cli, fresh_copy, 'pathvqa', 'pathvqa', edit_parquet('data/train-00000-of-00001.parquet', corrupt),
                         ['--check-images'])
    assert json.loads(result.out)['images']['unreadable'] == {'train': 1}
    assert 'train-00000-of-00001.parquet, row 1 (1-based): unreadable image' in result.err
    clean = clean_summary(cli, 'cbis', 'cbis')
    checked = json.loads(cli(summary_argv('cbis', FIXTURES/'cbis', '--check-images')).out)
    assert checked['images'] == {'checked': sum(clean['splits'].values()), 'unreadable': {}}

def test_tune_refuses_an_unreadable_image_before_writing_the_run(cli, fresh_copy, tmp_path):
    "`medvlm tune` on data with a broken training image: one line naming file and row, and no run folder."
    root = fresh_copy('wbcatt')
    break_image('PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg')(root)
    out = tmp_path/'run'
    result = cli(['tune', '--benchmark', 'wbcatt', '--method', 'proxy', '--preset', 'test', '--data-root', root,
                  '--model', tmp_path/'no-model-needed', '--out', out])
    assert_one_line_error(result, ['pbc_attr_v1_train.csv: line 4 (1-based, header = line 1): unreadable image',
                                   'LY_200.jpg'])
    assert not out.exists()


def cut_body(root:Path, relative:str) -> None:
    "Keep the image's header whole and cut its body short: a download that stopped, which PIL's `verify` lets pass."
    import io
    photo = io.BytesIO(); Image.effect_noise((64, 64), 40).convert('RGB').save(photo, 'JPEG', quality=90)
    data = photo.getvalue()                                                 # a photograph whose body is most of the file
    (root/relative).write_bytes(data[:len(data) * 2 // 3])
    with Image.open(root/relative) as image: image.verify()             # the header alone looks fine

def test_an_image_cut_short_inside_its_body_is_unreadable(cli, fresh_copy, tmp_path):
    "Every pixel is decoded: --check-images counts a JPEG cut short after its header, and tune refuses it before any state."
    image = 'PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg'
    result, root = run_case(cli, fresh_copy, 'wbcatt', 'wbcatt', lambda root: cut_body(root, image), ['--check-images'])
    assert result.rc == 0, result.err
    assert json.loads(result.out)['images'] == {'checked': 7, 'unreadable': {'train': 1}}
    assert result.err.startswith('medvlm: warning: pbc_attr_v1_train.csv, line 4 (1-based, header = line 1): unreadable image (OSError'), result.err
    out = tmp_path/'run'
    refused = cli(['tune', '--benchmark', 'wbcatt', '--method', 'proxy', '--preset', 'test', '--data-root', root,
                   '--model', tmp_path/'no-model-needed', '--out', out])
    assert_one_line_error(refused, ['pbc_attr_v1_train.csv: line 4 (1-based, header = line 1): unreadable image', 'LY_200.jpg'])
    assert not out.exists()


def test_tune_keeps_paths_inside_the_root_unless_allowed(cli, fresh_copy, tmp_path):
    "`medvlm tune` refuses a linked-out image before any run state; with --allow-outside-root it reads past it."
    root = fresh_copy('wbcatt')
    link_image('PBC_dataset_normal_DIB/lymphocyte/LY_200.jpg')(root)
    argv = ['tune', '--benchmark', 'wbcatt', '--method', 'proxy', '--preset', 'test', '--data-root', root,
            '--model', tmp_path/'no-model-here', '--out', tmp_path/'run']
    assert_one_line_error(cli(argv), ["pbc_attr_v1_train.csv: line 4 (1-based, header = line 1), field 'path'",
                                      'resolves outside the dataset root'])
    assert not (tmp_path/'run').exists()
    allowed = cli([*argv, '--allow-outside-root'])
    assert 'outside the dataset root' not in allowed.err and 'no-model-here' in allowed.err, allowed.err  # on to the model


def test_vital_keeps_paths_inside_the_roots_unless_allowed(cli, tmp_path):
    "`medvlm vital` refuses a corpus image linked out of its root, naming file, item and field; --allow-outside-root reads it."
    from medvlm.synth.world import synth_set
    synth_set('pmc', tmp_path/'data', preset='test')
    for name in ('vqa-rad', 'slake', 'pathvqa'): (tmp_path/'data'/name).mkdir()    # only the corpus is read to generate
    captions = json.loads((tmp_path/'data'/'pmc'/PMC_CAPTIONS).read_text())
    link_image(f"images/{captions[0]['pair_id']}.jpg")(tmp_path/'data'/'pmc')
    argv = ['vital', 'generate', '--preset', 'test', '--data-root', tmp_path/'data', '--model', tmp_path/'no-model-needed',
            '--out', tmp_path/'study']
    assert_one_line_error(cli(argv), [f"llava_med_instruct_fig_captions.json: item 0 (0-based index, pair_id '{captions[0]['pair_id']}'), "
                                      "field 'pair_id'", 'resolves outside the dataset root'])
    assert not (tmp_path/'study'/'generate').exists()
    allowed = cli([*argv, '--allow-outside-root'])
    assert allowed.rc == 0, allowed.err
    assert (tmp_path/'study'/'generate'/'conversations.json').is_file()


def test_vital_refuses_chat_questions_whose_image_leaves_the_corpus(cli, tmp_path):
    "A user's --questions file naming a figure outside the corpus' images is refused by its own name, before anything is written."
    from medvlm.synth.world import synth_set
    synth_set('pmc', tmp_path/'data', preset='test')
    for name in ('vqa-rad', 'slake', 'pathvqa'): (tmp_path/'data'/name).mkdir()
    captions = json.loads((tmp_path/'data'/'pmc'/PMC_CAPTIONS).read_text())
    question = {'question_id': 'q1', 'image': f"{captions[0]['pair_id']}.jpg", 'pair_id': captions[0]['pair_id'],
                'text': 'What is shown?', 'gpt4_answer': 'A scan.', 'type': 'conversation', 'fig_caption': 'x', 'fig_label': 'x',
                'in_text_mention': [], 'domain': {'chest_xray': True, 'mri': False, 'ct_scan': False, 'histology': False, 'gross': False}}
    argv = lambda questions: ['vital', 'generate', '--preset', 'test', '--data-root', tmp_path/'data', '--model', tmp_path/'no-model-needed',
                              '--out', tmp_path/'study', '--questions', questions]
    for bad in ('../../../outside.jpg', '/etc/hosts'):
        path = tmp_path/'questions.jsonl'
        path.write_text(json.dumps({**question, 'image': bad}) + '\n')
        assert_one_line_error(cli(argv(path)), ["questions.jsonl: line 1 (1-based), field 'image'"])
        assert not (tmp_path/'study'/'generate').exists() and not (tmp_path/'study'/'chat_questions.jsonl').exists()
    path.write_text(json.dumps(question) + '\n')                     # the same question about a corpus figure is read
    result = cli(argv(path))
    assert result.rc == 0, result.err
    assert (tmp_path/'study'/'chat_questions.jsonl').read_text().count('\n') == 1


# ---------------------------------------------------------------------------------------------------------------------
# 22.7 Loud pickles
# ---------------------------------------------------------------------------------------------------------------------

def test_allow_pickle_warns_once_naming_the_files(cli):
    result = cli(summary_argv('pathvqa', FIXTURES/'pathvqa-pickle', '--allow-pickle'))
    assert result.rc == 0
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('medvlm: warning: unpickling 3 files'), result.err
    for split in ('train', 'val', 'test'): assert str(FIXTURES/'pathvqa-pickle'/'qas'/split/f'{split}_qa.pkl') in lines[0]
    one = cli(summary_argv('pathvqa', FIXTURES/'pathvqa-pickle', '--allow-pickle', '--split', 'val'))
    assert one.err.startswith('medvlm: warning: unpickling 1 file ') and 'val_qa.pkl' in one.err and 'train_qa.pkl' not in one.err
