"""Issue 22, generated: a mechanical sweep of malformed annotation files across all nine loaders.

test_bad_input.py holds hand-written cases; this file makes its cases by rule. Every annotation file of every fixture
(the files a loader reads, in their released layouts) is broken in each of a fixed list of ways: a CSV cell, a JSON,
parquet or pickle value, a duplicated record, a column dropped, added or moved, a byte-order mark, CRLF line ends, a
cut, a wrapper. Which record, column or byte is hit is drawn by a random generator seeded with the case's own name,
so the cases are the same on every run and do not move when another case is added.

The invariant checked for every case is issue 22's: `medvlm data summary` either refuses — exit 2, stdout empty,
exactly one 'medvlm: ' line on stderr, no traceback, naming the broken file and, when the break is inside a record,
the record and a field — or accepts, printing exactly the clean fixture's split counts.

Cases where accepting and refusing are both defensible, and what the loaders chose (either passes the invariant):
- a whitespace-padded value: ids and CBIS-DDSM paths are read stripped (the release pads some); a padded WBCAtt
  `path` or SKINCON `ImageID` names no file and is refused, naming the field.
- a cell of a column the loader does not read (CBIS `subtlety`, MIMIC `Rows`, VQA-RAD `evaluation`, ...) is accepted:
  the released files carry nulls and odd spellings there, and nothing counted depends on them.
- in the Kaggle CBIS-DDSM release only the case folder at the start of `cropped image file path` is read, so a
  value broken after it is accepted.
- PathVQA has no ids and its official pickles repeat some (image, question, answer) triplets: a repeated record is
  read once, counted under `skipped` and noted (as the Hugging Face release drops them), so it is accepted with the
  clean counts rather than refused.
- a cut exactly on a record boundary is not drawn (see `cut_points`): it leaves a well-formed shorter file.
"""
import csv, gzip, io, json, pickle, random, re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES
from test_loaders_cli import LLAVA_FILE, PMC_CAPTIONS, summary_argv, parse_summary, assert_one_line_error

SEED = 22


@dataclass(frozen=True)
class Swept:
    "One loader over one fixture: the extra arguments it needs, where inside the copy its root is, the files it reads."
    name: str
    fixture: str
    files: tuple              # glob patterns under the fixture, for the annotation files the loader reads
    args: tuple = ()          # '{root}' stands for the copy's folder
    root_in: str = ''

    def argv(self, root:Path) -> list:
        return summary_argv(self.name, root/self.root_in if self.root_in else root,
                            *[str(a).replace('{root}', str(root)) for a in self.args])

    def annotation_files(self) -> list:
        found = sorted({p for pattern in self.files for p in (FIXTURES/self.fixture).glob(pattern)})
        assert found, (self.fixture, self.files)
        return [p.relative_to(FIXTURES/self.fixture).as_posix() for p in found]


SWEPT = [
    Swept('wbcatt', 'wbcatt', ('pbc_attr_v1_*.csv',)),
    Swept('skincon', 'skincon', ('*.csv',)),
    Swept('cbis', 'cbis', ('csv/*.csv',)),                        # the TCIA release: crops found by their path
    Swept('cbis', 'cbis-jpeg', ('csv/*.csv',)),                   # the Kaggle release: crops found through dicom_info.csv
    Swept('mimic-cxr', 'mimic-cxr', ('*.csv.gz',)),
    Swept('vqa-rad', 'vqa-rad', ('*.json',)),
    Swept('slake', 'slake', ('*.json',)),
    Swept('pathvqa', 'pathvqa', ('data/*.parquet',)),
    Swept('pathvqa', 'pathvqa-pickle', ('qas/*/*.pkl',), ('--allow-pickle',)),
    Swept('pmc', 'pmc', (PMC_CAPTIONS,)),
    Swept('llava', 'pmc', (LLAVA_FILE,), ('--images', '{root}/images'), LLAVA_FILE),
]


def rng_for(*parts) -> random.Random:
    "A generator seeded with the case's own name: its draws do not depend on which other cases exist."
    return random.Random('/'.join(map(str, (SEED, *parts))))


# ---------------------------------------------------------------------------------------------------------------------
# Reading and writing the files as released (gzip where the name says so)
# ---------------------------------------------------------------------------------------------------------------------

def read_bytes(path:Path) -> bytes:
    "The file's content, decompressed for `.gz`."
    return gzip.decompress(path.read_bytes()) if path.suffix == '.gz' else path.read_bytes()

def write_bytes(path:Path, data:bytes) -> None:
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == '.gz' else data)

def read_rows(path:Path) -> list:
    return list(csv.reader(io.StringIO(read_bytes(path).decode('utf-8'), newline='')))

def write_rows(path:Path, rows:list) -> None:
    text = io.StringIO(newline='')
    csv.writer(text, lineterminator='\n').writerows(rows)
    write_bytes(path, text.getvalue().encode('utf-8'))

def read_json_file(path:Path):
    return json.loads(path.read_text(encoding='utf-8'))

def write_json_file(path:Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')

def read_pickle(path:Path):
    with open(path, 'rb') as f: return pickle.load(f)

def write_pickle(path:Path, data) -> None:
    with open(path, 'wb') as f: pickle.dump(data, f)


# ---------------------------------------------------------------------------------------------------------------------
# A case: a mutation of one file, and what a refusal of it must name
# ---------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    swept: Swept
    file: str                 # relative to the fixture's root
    what: str                 # the mutation, in words, for the test id
    mutate: object            # mutate(path of the file in the copy)
    place: bool = False       # a refusal must name the record (line / item / row N)
    field: bool = False       # ... and a field

    @property
    def id(self) -> str:
        fixture = self.swept.fixture if self.swept.fixture == self.swept.name else f'{self.swept.name}@{self.swept.fixture}'
        return f"{fixture}/{self.file}/{self.what}"


def edit_bytes(edit):
    return lambda path: write_bytes(path, edit(read_bytes(path)))

def edit_rows(edit):
    return lambda path: write_rows(path, edit(read_rows(path)))

def edit_json(edit):
    return lambda path: write_json_file(path, edit(read_json_file(path)))

def cut_points(data:bytes, lines:bool) -> list:
    """Byte offsets inside the last third of `data` at which a cut leaves the file cut short: it removes more than
    white space and, for a line-based format (`lines`), is not on a line break. A CSV cut on a record boundary is a
    well-formed shorter file (a file may end without its final line break), which no reader can tell from a whole one."""
    breaks = b'\r\n'
    return [k for k in range(len(data) * 2 // 3, len(data)) if data[k:].strip()
            and not (lines and (data[k - 1] in breaks or data[k] in breaks))]

def drawn_cuts(swept:Swept, file:str, data:bytes, lines:bool, n:int=2) -> list:
    points = cut_points(data, lines)
    return sorted(rng_for(swept.fixture, file, 'cut').sample(points, min(n, len(points))))

def file_cases(swept:Swept, file:str, data:bytes, lines:bool) -> list:
    "Breaks every format shares: a byte-order mark, a cut inside the last third, an empty file."
    cases = [Case(swept, file, 'utf8-bom', edit_bytes(lambda d: b'\xef\xbb\xbf' + d))] if lines or file.endswith('.json') else []
    for k in drawn_cuts(swept, file, data, lines):
        cases.append(Case(swept, file, f'cut-at-byte-{k}-of-{len(data)}', edit_bytes(lambda d, k=k: d[:k])))
    return cases + [Case(swept, file, 'empty-file', edit_bytes(lambda d: b''))]


# ---------------------------------------------------------------------------------------------------------------------
# CSV (and .csv.gz)
# ---------------------------------------------------------------------------------------------------------------------

CELL_VALUES = {   # how a cell of a data row goes bad: name -> new text from the old
    'empty': lambda v: '',
    'nan': lambda v: 'nan',
    'NULL': lambda v: 'NULL',
    'None': lambda v: 'None',
    'N-A': lambda v: 'N/A',
    'padded': lambda v: f'  {v} ',
    '300-chars': lambda v: (v + '~' * 300)[:300],
    '200000-chars': lambda v: (v + '~' * 200_000)[:200_000],   # longer than the csv module reads by default
    'embedded-comma': lambda v: f'{v},{v}',
    'embedded-quote': lambda v: f'{v}"',
    'embedded-newline': lambda v: f'{v[:len(v) // 2]}\n{v[len(v) // 2:]}',
}

def set_cell(row:int, column:int, value:str):
    def edit(rows):
        rows[row][column] = value
        return rows
    return edit_rows(edit)

def csv_cell_cases(swept:Swept, file:str, rows:list, turn:int) -> list:
    """Each column gets two of the cell breaks, turning with the file (`turn`) so that files of one loader share
    columns but not breaks; the data row is drawn among those the break changes."""
    kinds, cases = list(CELL_VALUES), []
    for column, name in enumerate(rows[0]):
        for kind in (kinds[(column + turn) % len(kinds)], kinds[(column + turn + len(kinds) // 2) % len(kinds)]):
            changed = [r for r in range(1, len(rows)) if CELL_VALUES[kind](rows[r][column]) != rows[r][column]]
            if not changed: continue
            row = rng_for(swept.fixture, file, name, kind).choice(changed)
            cases.append(Case(swept, file, f'line{row + 1}-{name or "(unnamed)"}={kind}',
                              set_cell(row, column, CELL_VALUES[kind](rows[row][column])), place=True, field=True))
    return cases

def shuffled_columns(rows:list, seed:random.Random) -> list:
    order = list(range(len(rows[0])))
    while order == sorted(order): seed.shuffle(order)
    return [[r[i] for i in order] for r in rows]

def csv_structure_cases(swept:Swept, file:str, rows:list, data:bytes) -> list:
    draw = rng_for(swept.fixture, file, 'structure')
    row, column = draw.randrange(1, len(rows)), draw.randrange(len(rows[0]))
    name = rows[0][column] or '(unnamed)'
    cases = [
        Case(swept, file, f'line{row + 1}-duplicated', edit_rows(lambda rs: rs + [list(rs[row])]), place=True, field=True),
        Case(swept, file, f'column-{name}-dropped', edit_rows(lambda rs: [r[:column] + r[column + 1:] for r in rs]), field=True),
        Case(swept, file, 'columns-reordered', edit_rows(lambda rs: shuffled_columns(rs, rng_for(swept.fixture, file, 'order')))),
        Case(swept, file, 'unknown-column-added', edit_rows(lambda rs: [rs[0] + ['reviewer_note']] + [r + ['checked'] for r in rs[1:]])),
        Case(swept, file, f'line{row + 1}-one-field-too-many', edit_rows(lambda rs: rs[:row] + [rs[row] + ['stray']] + rs[row + 1:]),
             place=True),
        Case(swept, file, f'line{row + 1}-one-field-too-few', edit_rows(lambda rs: rs[:row] + [rs[row][:-1]] + rs[row + 1:]),
             place=True),
        Case(swept, file, 'crlf-line-ends', edit_bytes(lambda d: d.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n'))),
        Case(swept, file, 'blank-line-after-each-record', edit_rows(lambda rs: [x for r in rs for x in (r, [])])),
        Case(swept, file, 'header-only', edit_rows(lambda rs: rs[:1])),
        *file_cases(swept, file, data, lines=True),
    ]
    if file.endswith('.gz'):
        cases += [Case(swept, file, 'gzip-stream-cut', lambda path: path.write_bytes(path.read_bytes()[:-12])),
                  Case(swept, file, 'plain-text-under-gz-name', lambda path: path.write_bytes(read_bytes(path)))]
    return cases


# ---------------------------------------------------------------------------------------------------------------------
# JSON lists of records (VQA-RAD, SLAKE, PMC captions, LLaVA) and pickled lists (PathVQA)
# ---------------------------------------------------------------------------------------------------------------------

def misspelt(key:str) -> str:
    "`key` with its middle letter dropped, as a hand-edited or re-exported file may spell it."
    return key[:len(key) // 2] + key[len(key) // 2 + 1:]

KEY_EDITS = {   # how one key of one record goes bad: name -> record -> record
    'null': lambda key: lambda r: {**r, key: None},
    'int': lambda key: lambda r: {**r, key: 7},
    'list': lambda key: lambda r: {**r, key: [r[key]]},
    'deleted': lambda key: lambda r: {k: v for k, v in r.items() if k != key},
    'dict': lambda key: lambda r: {**r, key: {'value': r[key]}},
    'misspelt': lambda key: lambda r: {(misspelt(k) if k == key else k): v for k, v in r.items()},
    'true': lambda key: lambda r: {**r, key: True},
    'NaN': lambda key: lambda r: {**r, key: float('nan')},
}
ID_KEYS = ('qid', 'pair_id', 'id')

def edit_record(index:int, edit):
    def apply(data):
        data[index] = edit(data[index])
        return data
    return apply

def key_cases(swept:Swept, file:str, records:list, turn:int, edit_file) -> list:
    "Each key of a drawn record gets two of the key breaks, turning with the file (`turn`)."
    kinds, cases = list(KEY_EDITS), []
    index = rng_for(swept.fixture, file, 'record').randrange(len(records))
    for position, key in enumerate(records[index]):
        for kind in (kinds[(position + turn) % len(kinds)], kinds[(position + turn + len(kinds) // 2) % len(kinds)]):
            cases.append(Case(swept, file, f'item{index}-{key}={kind}', edit_file(edit_record(index, KEY_EDITS[kind](key))),
                              place=True, field=True))
    return cases

def ids_one_and_text_one(key:str, first:int, second:int):
    "Record `first` gets id 1 and record `second` id \"1\": one id written two ways."
    return lambda data: edit_record(second, lambda r: {**r, key: '1'})(edit_record(first, lambda r: {**r, key: 1})(data))

def list_structure_cases(swept:Swept, file:str, records:list, edit_file) -> list:
    draw = rng_for(swept.fixture, file, 'structure')
    index = draw.randrange(len(records))
    cases = [Case(swept, file, f'item{index}-duplicated', edit_file(lambda d: d + [d[index]]), place=True, field=True),
             Case(swept, file, 'wrapped-in-an-object', edit_file(lambda d: {'data': d})),
             Case(swept, file, 'empty-list', edit_file(lambda d: [])),
             Case(swept, file, f'item{index}-not-an-object', edit_file(edit_record(index, lambda r: list(r.values()))), place=True)]
    id_key = next((k for k in ID_KEYS if k in records[0]), None)
    if id_key and len(records) > 1:
        first, second = sorted(draw.sample(range(len(records)), 2))
        cases.append(Case(swept, file, f'{id_key}-1-at-item{first}-and-"1"-at-item{second}', edit_file(ids_one_and_text_one(id_key, first, second)),
                          place=True, field=True))
    return cases

def json_cases(swept:Swept, file:str, turn:int) -> list:
    path = FIXTURES/swept.fixture/file
    records, data = read_json_file(path), path.read_bytes()
    as_lines = lambda d: ''.join(json.dumps(r) + '\n' for r in json.loads(d)).encode()
    return [*key_cases(swept, file, records, turn, edit_json), *list_structure_cases(swept, file, records, edit_json),
            Case(swept, file, 'json-lines-instead-of-a-list', edit_bytes(as_lines)), *file_cases(swept, file, data, lines=False)]

def edit_pickle(edit):
    return lambda path: write_pickle(path, edit(read_pickle(path)))

def pickle_cases(swept:Swept, file:str, turn:int) -> list:
    path = FIXTURES/swept.fixture/file
    records, data = read_pickle(path), path.read_bytes()
    return [*key_cases(swept, file, records, turn, edit_pickle), *list_structure_cases(swept, file, records, edit_pickle),
            *[Case(swept, file, f'cut-at-byte-{k}-of-{len(data)}', edit_bytes(lambda d, k=k: d[:k])) for k in drawn_cuts(swept, file, data, False)]]


# ---------------------------------------------------------------------------------------------------------------------
# Parquet (PathVQA's Hugging Face release)
# ---------------------------------------------------------------------------------------------------------------------

PARQUET_VALUES = {   # name -> (column, old value) -> new value
    'null': lambda column, v: None,
    'empty': lambda column, v: {'bytes': b'', 'path': None} if column == 'image' else '',
    'padded': lambda column, v: {**v, 'path': f"  {v.get('path')} "} if column == 'image' else f'  {v} ',
    'not-an-image': lambda column, v: {'bytes': b'<html>404</html>', 'path': None} if column == 'image' else '~' * 300,
}

def edit_table(edit):
    return lambda path: edit(pd.read_parquet(path)).to_parquet(path, index=False)

def set_table_cell(row:int, column:str, value):
    def edit(table):
        table[column] = table[column].astype(object)
        table.at[row, column] = value
        return table
    return edit_table(edit)

def parquet_cases(swept:Swept, file:str, turn:int) -> list:
    path = FIXTURES/swept.fixture/file
    table, data, kinds, cases = pd.read_parquet(path), path.read_bytes(), list(PARQUET_VALUES), []
    for position, column in enumerate(table.columns):
        for kind in (kinds[(position + turn) % len(kinds)], kinds[(position + turn + len(kinds) // 2) % len(kinds)]):
            row = rng_for(swept.fixture, file, column, kind).randrange(len(table))
            cases.append(Case(swept, file, f'row{row + 1}-{column}={kind}',
                              set_table_cell(row, column, PARQUET_VALUES[kind](column, table.at[row, column])), place=True, field=True))
    draw = rng_for(swept.fixture, file, 'structure')
    row, column = draw.randrange(len(table)), draw.choice(list(table.columns))
    return cases + [
        Case(swept, file, f'row{row + 1}-duplicated', edit_table(lambda t: pd.concat([t, t.iloc[[row]]], ignore_index=True)),
             place=True, field=True),
        Case(swept, file, f'column-{column}-dropped', edit_table(lambda t: t.drop(columns=[column])), field=True),
        Case(swept, file, 'columns-reordered', edit_table(lambda t: t[list(reversed(t.columns))])),
        Case(swept, file, 'unknown-column-added', edit_table(lambda t: t.assign(reviewer_note='checked'))),
        Case(swept, file, 'no-rows', edit_table(lambda t: t.iloc[:0])),
        *[Case(swept, file, f'cut-at-byte-{k}-of-{len(data)}', edit_bytes(lambda d, k=k: d[:k])) for k in drawn_cuts(swept, file, data, False)],
    ]


# ---------------------------------------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------------------------------------

def cases_for(swept:Swept) -> list:
    cases = []
    for turn, file in enumerate(swept.annotation_files()):
        if file.endswith(('.csv', '.csv.gz')):
            rows = read_rows(FIXTURES/swept.fixture/file)
            cases += csv_cell_cases(swept, file, rows, turn) + csv_structure_cases(swept, file, rows, read_bytes(FIXTURES/swept.fixture/file))
        elif file.endswith('.json'): cases += json_cases(swept, file, turn)
        elif file.endswith('.parquet'): cases += parquet_cases(swept, file, turn)
        elif file.endswith('.pkl'): cases += pickle_cases(swept, file, turn)
        else: raise AssertionError(f'no breaks for {file}')
    return cases

CASES = [case for swept in SWEPT for case in cases_for(swept)]

_CLEAN = {}

def clean_splits(cli, swept:Swept) -> dict:
    "The split counts of the unbroken fixture (read once per fixture)."
    if swept not in _CLEAN: _CLEAN[swept] = parse_summary(cli(swept.argv(FIXTURES/swept.fixture)))['splits']
    return _CLEAN[swept]

PLACE = re.compile(r"\b(line|item|row) \d+")

@pytest.mark.parametrize('case', [pytest.param(c, id=c.id) for c in CASES])
def test_malformed_input_is_refused_in_one_line_or_read_with_clean_counts(cli, fresh_copy, case):
    root = fresh_copy(case.swept.fixture)
    case.mutate(root/case.file)
    result = cli(case.swept.argv(root))
    assert result.rc != 'raised' and 'Traceback' not in result.err, result.err
    if result.rc == 0:
        summary = json.loads(result.out)
        assert all(line.startswith('medvlm: warning: ') for line in result.err.splitlines()), result.err
        assert summary['splits'] == clean_splits(cli, case.swept), f"accepted with other counts; stderr: {result.err!r}"
        return
    assert_one_line_error(result, [f"medvlm: {root}", Path(case.file).name])
    err = result.err.splitlines()[-1]
    if case.place: assert PLACE.search(err), f"no record named: {err}"
    if case.field: assert "field '" in err, f"no field named: {err}"


def test_the_sweep_covers_every_loader_with_enough_cases():
    from medvlm.data.datasets import LOADERS
    per_loader = {name: sum(c.swept.name == name for c in CASES) for name in LOADERS}
    assert all(n >= 10 for n in per_loader.values()), per_loader
    assert len({c.id for c in CASES}) == len(CASES) >= 100
