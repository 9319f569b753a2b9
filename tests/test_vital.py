"""BioMed-VITAL end to end through `medvlm vital` on the test-preset mini-world: the outputs of every stage, a rerun that
skips what is done, the selection deciding what the selected arms are tuned on, and bad input as one line."""
import json, shutil, time

import pytest
import torch

from conftest import synthetic_world_with_base
from medvlm.cli import main
from medvlm.vital.study import arm_names, get_vital_preset

SETS = ['pmc', 'vqa-rad', 'slake', 'pathvqa']
ARMS = arm_names(get_vital_preset('test'))          # base, all, random, selected-w1, selected-w400


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    "Tiny models: one thread is faster than two fighting over a shared machine's cores."
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    "The corpus, the three VQA sets and a tiny base pretrained on the generic world, all at the test preset."
    return synthetic_world_with_base(tmp_path_factory.mktemp('vital'), SETS)


def vital(world, out, *extra):
    return ['vital', '--preset', 'test', '--data-root', world, '--model', world/'base', '--out', out, *extra]


@pytest.fixture(scope='module')
def study(world):
    "One whole test study, offline: `medvlm vital --preset test`."
    assert main([str(a) for a in vital(world, world/'study')]) == 0
    return world/'study'


def read(path): return json.loads(path.read_text())


def test_the_study_writes_every_stage(study):
    conversations = read(study/'generate'/'conversations.json')
    assert len(conversations) == 30 and all(c['conversations'][0]['value'].startswith('<image>') and 'domain' in c for c in conversations)
    questions = [json.loads(line) for line in (study/'chat_questions.jsonl').read_text().splitlines()]
    assert questions and not {q['pair_id'] for q in questions} & {c['pair_id'] for c in conversations}   # chat about held-out figures
    for w in ('w1', 'w400'):
        assert len(read(study/'select'/w/'scores.json')) == 30
        assert read(study/'select'/w/'metrics.json')['config']['clinician_weight'] == float(w[1:])
    for arm in ARMS:
        metrics = read(study/'arms'/arm/'metrics.json')
        assert (metrics['arm'], metrics['seed'], metrics['config']['tune']['adapter']) == (arm, 0, 'qlora')
        for name in ('vqa-rad', 'slake', 'pathvqa'):
            for mode in ('llava-med', 'strict'):
                scores = metrics['vqa'][name][mode]
                assert 0 <= scores['open_recall'] <= 1 and 0 <= scores['closed_accuracy'] <= 1
                assert scores['n_open'] + scores['n_closed'] == 6
        assert 0 <= metrics['chat']['relative_score'] and metrics['chat']['overall']['n'] == 10
        assert (study/'arms'/arm/'adapter'/'adapter_config.json').is_file() == (arm != 'base')
    summary = read(study/'summary.json')
    assert (list(summary['arms']), summary['missing']) == (ARMS, [])
    assert (study/'comparison.csv').read_text().splitlines()[0].startswith('arm,train/n,train/flawed,vqa-rad/open llava-med')


def test_a_rerun_skips_what_is_done(world, study, cli):
    stamps = {arm: (study/'arms'/arm/'metrics.json').stat().st_mtime_ns for arm in ARMS}
    started = time.perf_counter()
    result = cli(vital(world, study))
    assert result.rc == 0, result.err
    assert time.perf_counter() - started < 20
    assert {arm: (study/'arms'/arm/'metrics.json').stat().st_mtime_ns for arm in ARMS} == stamps
    assert 'requested' not in json.loads(result.out)['generate']               # generation read back, not rerun
    assert json.loads(result.out)['table']['random']['train/n'] == 12


def test_the_selected_arms_train_on_the_selectors_top_k(study):
    "Fails if the selection were ignored: each selected arm is tuned on exactly the top 40 % by its selector's scores."
    random_ids = [c['id'] for c in read(study/'arms'/'random'/'train.json')]
    for w in ('w1', 'w400'):
        scores = read(study/'select'/w/'scores.json')
        best = [s['id'] for s in sorted(scores, key=lambda s: -s['score'])][:12]            # ⌊30 · 0.4⌋
        tuned = [c['id'] for c in read(study/'arms'/f'selected-{w}'/'train.json')]
        assert tuned == best and read(study/'arms'/f'selected-{w}'/'metrics.json')['training']['ids'] == best
        assert set(tuned) != set(random_ids)
    assert len(read(study/'arms'/'all'/'train.json')) == 30


def test_bad_input_is_one_line(world, study, tmp_path, cli):
    def fails(argv, *expected):
        result = cli(argv)
        assert result.rc == 2 and result.err.count('\n') == 1 and all(e in result.err for e in expected), result.err
    partial = tmp_path/'partial'; partial.mkdir(); shutil.copytree(world/'pmc', partial/'pmc')
    fails(vital(partial, tmp_path/'a'), 'vqa-rad', 'no vqa-rad data here')
    fails(vital(world, study, '--seed', '1'), 'holds another study', 'seed 0 (asked 1)')
    fails(vital(world, study, '--arm', 'best'), "unknown arm 'best'")
    assert cli(vital(world, tmp_path/'b', 'generate')).rc == 0
    conversations = tmp_path/'b'/'generate'/'conversations.json'
    broken = read(conversations); broken[3]['conversations'][1]['from'] = 'doctor'
    conversations.write_text(json.dumps(broken))
    fails(vital(world, tmp_path/'b', 'select'), 'conversations.json', 'item 3', 'conversations[1].from')
    fails(vital(world, tmp_path/'c', 'select'), 'conversations.json', 'not generated yet')
    pairs = read(study/'raters'/'clinician.json'); del pairs[2]['answer_negative']
    (tmp_path/'clinician.json').write_text(json.dumps(pairs))
    mine = ['--clinician', tmp_path/'clinician.json', '--model-scores', study/'raters'/'judge.json']
    assert cli(vital(world, tmp_path/'d', 'generate', *mine)).rc == 0
    fails(vital(world, tmp_path/'d', 'select', *mine), 'clinician.json', "item 2, field 'answer_negative'")
    assert not (tmp_path/'d'/'arms').exists()
