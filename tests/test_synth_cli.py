"""The synthetic mini-world through the command line: every set written by `medvlm synth`, read back by
`medvlm data summary` with the real loaders, byte-identical for one seed, different for another, resumable."""
import hashlib, json
from pathlib import Path

import pytest

MEDICAL = ['wbcatt', 'skincon', 'cbis', 'mimic-cxr', 'pmc', 'vqa-rad', 'slake', 'pathvqa']


def digest(root:Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    "The whole test-preset mini-world, written once by the installed command."
    from medvlm.cli import main
    out = tmp_path_factory.mktemp('world')
    assert main(['synth', 'all', '--out', str(out), '--preset', 'test', '--seed', '0']) == 0
    return out


SKIP_MISSING = {'skincon'}   # the world leaves out a few SKINCON images, as a Fitzpatrick17k download does

@pytest.mark.parametrize('name', MEDICAL)
def test_each_set_reads_back_with_the_real_loader(world, cli, name):
    result = cli(['data', 'summary', name, '--root', world/name, *(['--skip-missing'] if name in SKIP_MISSING else [])])
    assert result.rc == 0, result.err
    summary = json.loads(result.out)
    assert summary['benchmark'] == name and sum(summary['splits'].values()) > 0


def test_the_world_emits_the_release_quirks(world, cli):
    "Issue 18: each release quirk the loaders read is in the mini-world, so every run of the pipeline goes through it."
    summary = lambda name, root, *args: json.loads(cli(['data', 'summary', name, '--root', root, *args]).out)
    refused = cli(['data', 'summary', 'skincon', '--root', world/'skincon'])       # 5: annotation rows without their image
    assert refused.rc == 2 and 'image file not found' in refused.err and '--skip-missing' in refused.err
    skincon = summary('skincon', world/'skincon', '--skip-missing')
    assert sum(skincon['dropped_images'].values()) == skincon['skipped']['missing image'] > 0
    pmc = summary('pmc', world/'pmc')                                               # 1: optional fields absent, empty or null
    assert pmc['missing'].get('pmid') and pmc['missing'].get('fig_id')
    alignment = summary('llava', world/'pmc'/'instruct'/'llava_med_alignment.json', '--images', world/'pmc'/'images')
    assert len(alignment['notes']) == 1 and "spell the key 'conversations' as 'conversatons'" in alignment['notes'][0]   # 2
    cbis = summary('cbis', world/'cbis')                                            # 3 and 4: missing markers, the vocabulary table
    assert cbis['missing'] and cbis['rewritten']
    rows = json.loads((world/'vqa-rad'/'VQA_RAD Dataset Public.json').read_text())  # 12: answer types as some rows write them
    assert {'CLOSED ', 'open'} & {r['answer_type'] for r in rows}
    vqa_rad = summary('vqa-rad', world/'vqa-rad')
    assert set(vqa_rad['attributes']['answer_type']) == {'OPEN', 'CLOSED'} and vqa_rad['skipped'] == {}
    assert sum(vqa_rad['splits'].values()) == len(rows)
    slake = summary('slake', world/'slake', '--lang', 'all')                        # 11: SLAKE's Chinese questions
    assert slake['splits'] and not any(k.startswith('q_lang') for k in slake['skipped'])


def test_generic_world_is_llava_json(world, cli):
    for split in ('train', 'val', 'test'):
        result = cli(['data', 'summary', 'llava', '--root', world/'generic'/f'{split}.json'])
        assert result.rc == 0, result.err
    records = json.loads((world/'generic'/'train.json').read_text())
    assert {r['task'] for r in records} == {'describe', 'mcq', 'yesno', 'open'}
    assert all(r['conversations'][0]['value'].startswith('<image>') for r in records)


def test_same_seed_is_byte_identical_other_seed_differs(world, tmp_path, cli):
    again, other = tmp_path/'again', tmp_path/'other'
    assert cli(['synth', 'all', '--out', again, '--preset', 'test', '--seed', '0']).rc == 0
    assert cli(['synth', 'wbcatt', '--out', other, '--preset', 'test', '--seed', '1']).rc == 0
    assert digest(again) == digest(world)
    assert digest(other/'wbcatt') != digest(world/'wbcatt')


def test_second_run_skips_finished_sets(world, cli):
    result = cli(['synth', 'all', '--out', world, '--preset', 'test', '--seed', '0'])
    assert result.rc == 0 and not any(r['written'] for r in json.loads(result.out).values())


def test_never_overwrites_foreign_data(tmp_path, cli):
    (tmp_path/'slake').mkdir(); (tmp_path/'slake'/'mine.txt').write_text('real data')
    result = cli(['synth', 'slake', '--out', tmp_path, '--preset', 'test'])
    assert result.rc == 2 and result.err.count('\n') == 1 and 'not written by medvlm synth' in result.err
    assert (tmp_path/'slake'/'mine.txt').read_text() == 'real data'


def test_unknown_set_and_preset_are_usage_errors(tmp_path, cli):
    assert cli(['synth', 'nothing', '--out', tmp_path]).rc == 2
    assert cli(['synth', 'wbcatt', '--out', tmp_path, '--preset', 'huge']).rc == 2
