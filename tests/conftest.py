"""Shared fixtures for the loader and CLI tests: fixture paths, fresh copies to break, and two ways to run `medvlm`."""
import os, shutil, subprocess, sys, traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO/'tests'/'fixtures'
MEDVLM = Path(sys.executable).parent/'medvlm'


@dataclass
class CliResult:
    "What one `medvlm` invocation left behind."
    rc: object
    out: str
    err: str


def clean_env(**extra) -> dict:
    "The current environment without any MEDVLM_* variable, plus `extra`."
    env = {k: v for k, v in os.environ.items() if not k.startswith('MEDVLM_')}
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _no_medvlm_env(monkeypatch):
    "Tests start without MEDVLM_* variables from the caller's shell (MEDVLM_DEBUG would re-raise errors)."
    for key in [k for k in os.environ if k.startswith('MEDVLM_')]: monkeypatch.delenv(key)


@pytest.fixture
def fresh_copy(tmp_path):
    "fresh_copy('wbcatt') -> a private copy of tests/fixtures/wbcatt under tmp_path, safe to break."
    def copy(name:str) -> Path:
        target = tmp_path/'copies'/name
        shutil.copytree(FIXTURES/name, target)
        return target
    return copy


@pytest.fixture
def cli(capsys):
    "cli(argv) runs `medvlm.cli.main(argv)` in this process; an escaping exception is reported like a traceback."
    from medvlm.cli import main
    def run(argv:list) -> CliResult:
        capsys.readouterr()
        try: rc = main([str(a) for a in argv])
        except SystemExit as e: rc = e.code
        except Exception:
            captured = capsys.readouterr()
            return CliResult('raised', captured.out, captured.err + traceback.format_exc())
        captured = capsys.readouterr()
        return CliResult(rc, captured.out, captured.err)
    return run


@pytest.fixture
def medvlm_cmd():
    "medvlm_cmd(argv, env=None, cwd=REPO) runs the installed `medvlm` console script in a subprocess."
    def run(argv:list, env:dict|None=None, cwd:Path=REPO) -> CliResult:
        proc = subprocess.run([str(MEDVLM), *map(str, argv)], capture_output=True, text=True,
                              env=env if env is not None else clean_env(), cwd=cwd, timeout=120)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)
    return run


def synthetic_world_with_base(work:Path, sets:list) -> Path:
    "The synthetic `sets` and a tiny base pretrained on the generic world (`work/base`), all at the test preset."
    from medvlm.cli import main
    for name in [*sets, 'generic']:
        assert main(['synth', name, '--out', str(work), '--preset', 'test']) == 0
    assert main(['pretrain', '--preset', 'test', '--data', str(work/'generic'), '--out', str(work/'base')]) == 0
    return work


# ---- the model matrix (tests/test_model_matrix.py): each `@pytest.mark.matrix(cell)` test's outcome, per family, written to
# the file MODEL_MATRIX_OUT names (`make model-matrix`), from which medvlm.model.matrix renders the README's model table.
MATRIX_OUTCOMES = []

def pytest_configure(config):
    config.addinivalue_line('markers', 'matrix(cell): one cell of the model matrix (family x capability)')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report, marker = outcome.get_result(), item.get_closest_marker('matrix')
    if marker is None or not hasattr(item, 'callspec') or 'family' not in item.callspec.params: return
    if report.when != 'call' and not (report.when == 'setup' and (report.skipped or report.failed)): return
    if hasattr(report, 'wasxfail'): status, note = ('xfail' if report.skipped else 'xpass'), report.wasxfail
    elif report.skipped: status, note = 'skipped', (report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr))
    else: status, note = report.outcome, ('' if report.passed else str(report.longrepr).strip().splitlines()[-1][:300])
    MATRIX_OUTCOMES.append({'family': item.callspec.params['family'], 'cell': marker.args[0],
                            'variant': item.callspec.id.replace(item.callspec.params['family'], '', 1).strip('-'),
                            'test': item.name, 'status': status, 'note': note, 'seconds': round(report.duration, 2),
                            **dict(report.user_properties)})


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get('MODEL_MATRIX_OUT')
    if out and MATRIX_OUTCOMES:
        import json, platform, torch, transformers, peft
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        import importlib.util
        versions = {'python': platform.python_version(), 'torch': torch.__version__}
        if importlib.util.find_spec('torchvision'):           # the second environment of `make model-matrix-torchvision`
            import torchvision; versions['torchvision'] = torchvision.__version__
        Path(out).write_text(json.dumps({'versions': {**versions, 'transformers': transformers.__version__, 'peft': peft.__version__},
                                         'outcomes': MATRIX_OUTCOMES}, indent=1) + '\n')
