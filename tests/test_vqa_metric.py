"""The LLaVA-Med-compatible VQA metric gives the peer's own per-case score, on cases built from the peer's rules.

`reference_normalize_word` and the three closed rules below are literal transcriptions of microsoft/LLaVA-Med at
commit b9a98a7 (llava/eval/eval_metrics/glossary.py `normalize_word`; llava/eval/run_eval.py; and run_eval.py before
that commit; llava/eval/run_eval_batch.py), kept as the peer wrote them.
"""
import re

import pytest

from conftest import FIXTURES
from medvlm.data.datasets import load_dataset
from medvlm.evaluation.vqa import (CONTRACTIONS, NUMBER_WORDS, ARTICLES, PUNCTUATION, llava_med_normalize, llava_med_closed,
                             llava_med_closed_unfixed, llava_med_closed_batch, llava_med_recall, strict_closed, strict_recall,
                             vqa_predictions, vqa_metrics)

# --- the peer's code, transcribed (glossary.py) ---------------------------------------------------------------------
period_strip = re.compile(r"(?!<=\d)(\.)(?!\d)")
comma_strip = re.compile(r"(\d)(\,)(\d)")

def reference_normalize_word(token):
    manual_map = dict(NUMBER_WORDS)
    _token = token
    for p in PUNCTUATION:
        if (p + " " in token or " " + p in token) or (re.search(comma_strip, token) != None):
            _token = _token.replace(p, "")
        else:
            _token = _token.replace(p, " ")
    token = period_strip.sub("", _token, re.UNICODE)
    _token = []
    temp = token.lower().split()
    for word in temp:
        word = manual_map.setdefault(word, word)
        if word not in ARTICLES:
            _token.append(word)
    for i, word in enumerate(_token):
        if word in CONTRACTIONS:
            _token[i] = CONTRACTIONS[word]
    token = " ".join(_token)
    token = token.replace(",", "")
    return token

def closed_run_eval(pred_value, gt_value):          # run_eval.py at b9a98a7
    if 'yes' in pred_value or 'no' in pred_value:
        return 1 if gt_value in pred_value else 0
    return 0

def closed_run_eval_unfixed(pred_value, gt_value):  # run_eval.py before b9a98a7: a miss with yes/no appends nothing
    if 'yes' in pred_value or 'no' in pred_value:
        return 1 if gt_value in pred_value else None
    return 0

def closed_run_eval_batch(pred_value, gt_value):    # run_eval_batch.py
    return 1 if gt_value in pred_value else 0

def peer_closed(rule, prediction, reference):
    "What the peer's loop does: lower-case, normalise once, apply the rule."
    return rule(reference_normalize_word(prediction.lower()), reference_normalize_word(reference.lower()))

def f1_recall(candidate, reference):                 # evaluate_metrics.calculate_f1score's recall, after run_eval's normalise
    from collections import defaultdict
    def words(s):
        out = defaultdict(int)
        for w in s.lower().strip().split(): out[w] += 1
        return out
    candidate, reference = reference_normalize_word(candidate), reference_normalize_word(reference)
    c, r = words(candidate), words(reference)
    tp = fn = 0
    for w in set(c) | set(r):
        if w in c and w in r: tp += c[w]
        elif w not in c and w in r: fn += r[w]
    if not c or not r or tp == 0: return 0
    return tp / (tp + fn)

# --- the table, verbatim ----------------------------------------------------------------------------------------------
def test_contraction_table_is_the_originals():
    assert len(CONTRACTIONS) == 120
    assert list(CONTRACTIONS)[:3] == ['aint', 'arent', 'cant'] and list(CONTRACTIONS)[-1] == 'youve'
    assert CONTRACTIONS["somebody'd"] == 'somebodyd'                 # the reversed entry
    assert CONTRACTIONS["couldn'tve"] == "couldn't've" and CONTRACTIONS["let's"] == "let's"
    assert 'lets' not in CONTRACTIONS and 'shes' not in CONTRACTIONS and 'Im' in CONTRACTIONS


SPELLINGS = sorted({*CONTRACTIONS, *CONTRACTIONS.values(), *(k.lower() for k in CONTRACTIONS),
                    *(v.replace("'", '') for v in CONTRACTIONS.values()), 'lets', 'shes', 'im', 'ive', 'id'})

@pytest.mark.parametrize('word', SPELLINGS)
def test_every_spelling_of_the_table_normalises_as_the_peer(word):
    for text in (word, f'I think {word} yes', f'{word.upper()}, no.'):
        assert llava_med_normalize(text) == reference_normalize_word(text), text


PEER_CASES = ['No.', 'no', 'Yes, it is.', 'normal', 'not sure', 'nodule', 'yes and no', 'eyes', 'None', 'liver',
              'liver, not spleen', 'x-ray - chest', '1,000 cells/hpf', 'Two lesions; 3.5 cm', "dont know: yes",
              'left left left', 'The left lung.', 'left side', 'It is in the left lung', 'two', '', 'maybe',
              "they'dve been there", 'somebody\'d say no', 'CT (axial)', 'T2-weighted MRI', 'a.b.c. ' * 3]

@pytest.mark.parametrize('prediction', PEER_CASES)
@pytest.mark.parametrize('reference', ['no', 'yes', 'liver', 'left lung', '2', 'x-ray', 'none', "don't know"])
def test_compatible_modes_give_the_peers_score_on_every_case(prediction, reference):
    assert llava_med_closed(prediction, reference) == peer_closed(closed_run_eval, prediction, reference)
    assert llava_med_closed_unfixed(prediction, reference) == peer_closed(closed_run_eval_unfixed, prediction, reference)
    assert llava_med_closed_batch(prediction, reference) == peer_closed(closed_run_eval_batch, prediction, reference)
    # open: run_eval lower-cases and normalises, then calculate_f1score normalises again
    assert llava_med_recall(prediction, reference) == pytest.approx(
        f1_recall(reference_normalize_word(prediction.lower()), reference_normalize_word(reference.lower())))


# --- strict mode on SLAKE's Chinese questions ---------------------------------------------------------------------------
def test_strict_mode_reads_slake_chinese_answers():
    "An exact Chinese answer scores 1 on an open question; an empty prediction scores 0 on a closed one."
    items = load_dataset('slake', FIXTURES/'slake', lang='zh').items
    assert {i.answer_type for i in items} == {'OPEN', 'CLOSED'}
    for item in items:
        score = strict_recall if item.answer_type == 'OPEN' else strict_closed
        assert score(item.answer, item.answer) == 1.0, item.answer
        assert score('', item.answer) == 0.0, item.answer


def test_strict_mode_joins_the_forms_that_split_words():
    assert strict_closed("don't know", 'dont know') == 1.0
    assert strict_closed('1,000', '1000') == 1.0
    assert strict_recall('e.g. left', 'eg left') == 1.0


def test_other_answer_types_are_counted_not_fatal():
    from medvlm.core.records import VQAItem
    items = [VQAItem('1', None, '?', 'no', 'CLOSED', 'test', 'toy'), VQAItem('2', None, '?', 'two', 'NUMBER', 'test', 'toy')]
    metrics = vqa_metrics(vqa_predictions(items, ['no', '2']))
    assert metrics['skipped'] == {'answer_type=NUMBER': 1} and metrics['n_closed'] == 1 and metrics['closed_accuracy'] == 1.0
