"""The project's setup files agree with each other, and nbdev keeps what papermill needs."""
import json, re, tomllib
from pathlib import Path

import yaml
from nbdev.clean import clean_nb
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT/'pyproject.toml').read_text())
ENVIRONMENT = yaml.safe_load((ROOT/'environment.yml').read_text())

def environment_pip_lines():
    return next(d['pip'] for d in ENVIRONMENT['dependencies'] if isinstance(d, dict) and 'pip' in d)

def test_environment_python_satisfies_pyproject():
    python = next(d for d in ENVIRONMENT['dependencies'] if isinstance(d, str) and d.startswith('python='))
    wanted = tuple(int(p) for p in python.split('=')[1].split('.'))
    minimum = tuple(int(p) for p in PYPROJECT['project']['requires-python'].lstrip('>=').split('.'))
    assert wanted >= minimum, (python, PYPROJECT['project']['requires-python'])

def test_environment_installs_the_package_with_dev_extras():
    assert '-e .[dev]' in environment_pip_lines()
    assert 'dev' in PYPROJECT['project']['optional-dependencies']

def test_environment_and_makefile_pin_the_same_cpu_torch():
    makefile_pin = re.search(r'^TORCH \?= (\S+)$', (ROOT/'Makefile').read_text(), re.M).group(1)
    pins = [line for line in environment_pip_lines() if line.startswith('torch')]
    assert pins == [makefile_pin]

def test_environment_lists_only_what_pyproject_declares():
    declared = {re.split(r'[<>=\[ ]', d)[0].lower() for d in PYPROJECT['project']['dependencies']}
    for line in environment_pip_lines():
        if not line.startswith('-e'): assert re.split(r'[<>=\[ ]', line)[0].lower() in declared, line

def test_console_script_points_at_a_callable():
    import importlib
    module, function = PYPROJECT['project']['scripts']['medvlm'].split(':')
    assert callable(getattr(importlib.import_module(module), function))

def test_nbdev_config_comes_from_pyproject():
    config = get_config(ROOT)
    assert config.config_file == ROOT/'pyproject.toml'
    assert config.lib_path == ROOT/'medvlm' and config.nbs_path == ROOT/'nbs'
    assert set(config.tst_flags.split()) >= {'slow', 'gpu'}

def test_nbdev_clean_keeps_papermill_parameters_tag():
    allowed = get_config(ROOT).allowed_cell_metadata_keys
    notebook = {'cells': [{'cell_type': 'code', 'execution_count': 3, 'id': 'abc', 'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': 'x'}],
                           'metadata': {'tags': ['parameters'], 'scrolled': True}, 'source': 'benchmark = "wbcatt"'}],
                'metadata': {'kernelspec': {'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    clean_nb(notebook, allowed_cell_metadata_keys=allowed)
    assert notebook['cells'][0]['metadata'] == {'tags': ['parameters']}
    assert notebook['cells'][0]['execution_count'] is None   # outputs stay: reports shown in notebooks are kept
