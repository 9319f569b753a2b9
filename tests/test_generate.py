"""BioMed-VITAL generation under faults: retried or recorded, never lost; killed and restarted without a duplicate, a
missing record or a repeated call; the API key in no file written; multi-line answers kept. All against the
loopback test server (`medvlm.vital.backends.ChatTestServer`) through the real `openai` client."""
import json, os, re, signal, subprocess, sys, time
from collections import Counter
from pathlib import Path

import pytest

from medvlm.vital.generate import GenerateConfig, ReplyCache, generate
from medvlm.vital.backends import ChatTestServer, OfflineBackend, OpenAIBackend, body_digest, truth_demonstrations
from medvlm.core.records import read_llava_json
from medvlm.synth.pmc import write_pmc
from medvlm.data.vqa_loaders import load_pmc_captions

KEY_ENV, KEY = 'TEST_GENERATE_API_KEY', 'sk-test-4f1c9e-never-in-a-file'
TESTS = Path(__file__).resolve().parent


def corpus(root: Path):
    "(figures to ask about, demonstrations) of the synthetic PMC corpus at `root`, the same in every process."
    if not (root/'ground_truth.json').exists(): write_pmc(root, seed=0)
    figures = load_pmc_captions(root).items
    demos = truth_demonstrations(figures, OfflineBackend.from_root(root))
    return [f for f in figures if f.pair_id not in {d.id for d in demos}], demos


def run_generation(root, out, url, concurrency=4, timeout=5.0, backoff=0.01):
    "One generation run against the server at `url` (also what the child process of the kill test runs)."
    figures, demos = corpus(Path(root))
    backend = OpenAIBackend('gpt-4o', url, KEY_ENV, timeout=timeout)
    return generate(figures, demos, backend, out, GenerateConfig(concurrency=concurrency, backoff=backoff))


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY


@pytest.fixture(scope='module')
def pmc(tmp_path_factory):
    root = tmp_path_factory.mktemp('pmc')/'pmc'
    corpus(root)
    return root


def files_holding(folder: Path, secret: str) -> list:
    return [str(p) for p in folder.rglob('*') if p.is_file() and secret.encode() in p.read_bytes()]


PLAN = [[], ['429'], ['500', '503'], ['timeout'], ['malformed'], ['429', '500', 'timeout'], ['garbage'], ['401']]


def planned(body) -> list:
    "The faults the request with this body meets, one per arrival (by its digest, so every plan meets several figures)."
    return PLAN[int(body_digest(body), 16) % len(PLAN)]


def test_faults_are_retried_or_recorded(pmc, tmp_path, key):
    "429/5xx/timeouts/malformed bodies are retried until they succeed; garbage and 401 are recorded; none is lost."
    fault = lambda body, n: (planned(body) + [None] * n)[n - 1]
    with ChatTestServer(faults=fault, hang=2.0) as server:
        result = run_generation(pmc, tmp_path/'out', server.url, concurrency=8, timeout=1.0)
    figures, _ = corpus(pmc)
    plans = {digest: PLAN[int(digest, 16) % len(PLAN)] for digest in server.seen}
    assert len(plans) == len(figures)                                   # one distinct request per figure
    assert len({p for p in map(tuple, plans.values())}) == len(PLAN)    # every plan met at least one figure
    final = {('garbage',): 1, ('401',): 1}
    assert dict(server.seen) == {d: final.get(tuple(p), len(p) + 1) for d, p in plans.items()}   # 401 and garbage: asked once
    saved = read_llava_json(tmp_path/'out'/'conversations.json')
    failures = json.loads((tmp_path/'out'/'failures.json').read_text())
    assert sorted([c.id for c in saved] + [f['id'] for f in failures]) == sorted(f.pair_id for f in figures)
    assert Counter(f['stage'] for f in failures) == Counter(reply=sum(p == ['garbage'] for p in plans.values()),
                                                            request=sum(p == ['401'] for p in plans.values()))
    assert all(f['reply'] == "I'm sorry, I can't help with that." for f in failures if f['stage'] == 'reply')
    assert all('HTTP 401' in f['reason'] and '***' in f['reason'] for f in failures if f['stage'] == 'request')
    assert server.bearers == {key}                                      # the key was used ...
    assert files_holding(tmp_path, key) == []                           # ... and written nowhere


def test_rerun_asks_only_what_failed(pmc, tmp_path, key):
    "A rerun answers from the cache; only requests that failed for good (here a 401) are asked again."
    refuse_once = lambda body, n: '401' if planned(body) == ['401'] and n == 1 else None
    with ChatTestServer(faults=refuse_once) as server:
        first = run_generation(pmc, tmp_path/'out', server.url)
        asked = len(server.requests)
        second = run_generation(pmc, tmp_path/'out', server.url)
    refused = [f['id'] for f in first.failures]
    assert refused and second.requested == len(refused) == len(server.requests) - asked
    assert second.failures == [] and len(second.conversations) == asked == len(corpus(pmc)[0])
    assert files_holding(tmp_path, key) == []


def test_kill_and_restart(pmc, tmp_path, key):
    "SIGKILL mid-generation, then restart: no duplicate, no missing record, no cached call asked again."
    out = tmp_path/'out'
    with ChatTestServer(latency=0.2) as server:
        child = subprocess.Popen([sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); from test_generate import run_generation; '
                                  'run_generation(*sys.argv[2:5])', str(TESTS), str(pmc), str(out), server.url], env=os.environ.copy())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if (out/'replies.jsonl').exists() and (out/'replies.jsonl').read_text().count('\n') >= 8: break
            time.sleep(0.01)
        assert child.poll() is None, 'the child finished (or failed) before it could be killed'
        os.kill(child.pid, signal.SIGKILL); child.wait()
        before = len(server.requests)
        assert not (out/'conversations.json').exists()                  # nothing that looks finished
        cached = ReplyCache(out/'replies.jsonl'); cached.close()
        cached_digests = {re.search(r'request (\w+)', r.text)[1] for r in cached.replies.values()}
        result = run_generation(pmc, out, server.url)
    figures, _ = corpus(pmc)
    after = [digest for digest, _ in server.requests[before:]]
    assert 8 <= len(cached) < len(figures)
    assert cached_digests.isdisjoint(after)                             # no cached call asked again
    assert len(after) == len(set(after)) == len(figures) - len(cached)  # each of the others asked once
    assert before <= len(cached) + 4                                    # at most the in-flight calls were lost to the kill
    saved = read_llava_json(out/'conversations.json')                   # read_llava_json refuses duplicate ids
    assert sorted(c.id for c in saved) == sorted(f.pair_id for f in figures) and result.failures == []
    lines = [json.loads(line) for line in (out/'replies.jsonl').read_text().splitlines()]
    assert len(lines) == len({line['key'] for line in lines}) == len(figures)
    assert files_holding(tmp_path, key) == []


def test_multiline_answers_are_kept(pmc, tmp_path, key):
    "An answer that runs over several lines (and a reply with markdown labels) arrives whole in the LLaVA file."
    reply = lambda body: ("Sure, here it is.\n\n**User:** Describe the opacity.\n**Assistant:** There is a rounded opacity:\n"
                          "- in the left lower zone\n- about 2 cm across\n\nIts margins are smooth.\n"
                          "User: Is it calcified?\nAssistant: No.")
    with ChatTestServer(reply=reply) as server:
        run_generation(pmc, tmp_path/'out', server.url)
    record = json.loads((tmp_path/'out'/'conversations.json').read_text())[0]
    assert [t['value'] for t in record['conversations']] == [
        '<image>\nDescribe the opacity.',
        'There is a rounded opacity:\n- in the left lower zone\n- about 2 cm across\n\nIts margins are smooth.',
        'Is it calcified?', 'No.']
    assert set(record['domain']) == {'chest_xray', 'mri', 'ct_scan', 'histology', 'gross'} and record['generation']['kind'] == 'openai'


def test_offline_records_its_errors(pmc, tmp_path):
    "The offline default: every record lists the errors injected into it; a rerun is answered from the cache."
    figures, demos = corpus(pmc)
    backend = OfflineBackend.from_root(pmc)
    first = generate(figures, demos, backend, tmp_path/'out')
    again = generate(figures, demos, backend, tmp_path/'out')
    assert (first.requested, again.requested, again.cached) == (len(figures), 0, len(figures))
    saved = read_llava_json(tmp_path/'out'/'conversations.json')
    assert all(set(c.extra['generation']['injected']) <= {'wrong_fact', 'vague', 'few_rounds'} for c in saved)
    assert any(c.extra['generation']['injected'] for c in saved) and any(not c.extra['generation']['injected'] for c in saved)


class FlakyOffline(OfflineBackend):
    "The offline writer, but some figures fail: `auth` with a setting to fix (asked again on a rerun), `refuse` refused for good."
    def __init__(self, truths, auth=(), refuse=()):
        super().__init__(truths)
        self.auth, self.refuse, self.asked = set(auth), set(refuse), []
    def complete(self, request):
        from medvlm.vital.generate import Refused
        self.asked.append(request.id)
        if request.id in self.auth: raise RuntimeError('HTTP 401: invalid key')
        if request.id in self.refuse: raise Refused('HTTP 400: bad request')
        return super().complete(request)


def test_a_vital_rerun_asks_again_only_what_failed_and_was_not_refused(pmc, tmp_path):
    from medvlm.vital.study import make_study, generate_stage
    roots = {name: pmc if name == 'pmc' else tmp_path/name for name in ('pmc', 'vqa-rad', 'slake', 'pathvqa')}
    for root in roots.values(): root.mkdir(exist_ok=True)           # the generate stage reads only the corpus
    study = make_study(tmp_path/'study', 'test', roots, tmp_path/'no-model')
    truths = study.truths()
    first = FlakyOffline(truths)
    study.backend = first
    generate_stage(study)
    corpus_ids = first.asked[:]
    auth, refuse = corpus_ids[:2], corpus_ids[2:3]
    generated = tmp_path/'study'/'generate'
    for p in generated.iterdir(): p.unlink()                       # start again with failures planted
    study.backend = FlakyOffline(truths, auth, refuse)
    stage = generate_stage(study)
    assert 'done' not in stage and stage['failures'] == 3
    study.backend = again = FlakyOffline(truths)
    stage = generate_stage(study)                                   # not 'done': two requests are asked again
    assert 'done' not in stage and sorted(again.asked) == sorted(auth)
    failures = json.loads((generated/'failures.json').read_text())
    assert [(f['id'], f['final']) for f in failures] == [(refuse[0], True)]
    study.backend = last = FlakyOffline(truths)
    assert generate_stage(study)['done'] and last.asked == []
