"""The layout shows the architecture (issue 21): every module lives in a subpackage, and no import runs back up from a
lower subpackage to a higher one, nor sideways between the two studies."""
import ast
from pathlib import Path
import pytest
import medvlm

PACKAGE = Path(medvlm.__file__).parent
LAYERS = {'core': 0, 'data': 1, 'synth': 2, 'model': 3, 'evaluation': 4, 'base': 5, 'instfree': 6, 'vital': 6, 'report': 7, 'cli': 8}

def subpackage(module:str) -> str:
    "'medvlm.vital.select' -> 'vital'; the top-level package itself -> ''."
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''

def imported_modules(path:Path) -> list:
    "(line, absolute module) of every medvlm import in the file at `path`, relative ones resolved."
    here = ['medvlm', *path.relative_to(PACKAGE).with_suffix('').parts]   # a package's __init__ too: level 1 is its package
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = '.'.join(here[:len(here) - node.level]) if node.level else ''
            target = '.'.join(p for p in (base, node.module or '') if p)
            names = [f'{target}.{a.name}' for a in node.names] if not node.module else [target]
            found += [(node.lineno, n) for n in names if n.startswith('medvlm')]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith('medvlm')]
    return found

def modules() -> list:
    return sorted(p for p in PACKAGE.rglob('*.py') if p.name != '_modidx.py' and '__pycache__' not in p.parts)

def test_every_module_is_in_a_known_subpackage():
    loose = [str(p.relative_to(PACKAGE)) for p in modules() if p.parent == PACKAGE and p.stem not in ('__init__', 'cli')]
    assert not loose, f"modules outside a subpackage: {loose}"
    assert {p.parent.name for p in modules() if p.parent != PACKAGE} <= set(LAYERS)

def test_imports_only_run_down():
    bad = []
    for path in modules():
        if path == PACKAGE/'__init__.py': continue                    # the package's face may name anything (lazily)
        own = subpackage('.'.join(['medvlm', *path.relative_to(PACKAGE).with_suffix('').parts]))
        for line, target in imported_modules(path):
            other = subpackage(target)
            if other and other != own and (LAYERS[other] > LAYERS[own] or LAYERS[other] == LAYERS[own]):
                bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {target} ({own} may not import {other})")
    assert not bad, '\n'.join(bad)

def test_the_check_sees_an_upward_import():
    "The rule itself: a relative import two levels up into a higher subpackage is resolved and refused."
    probe = PACKAGE/'data'/'_layout_probe.py'
    probe.write_text('from ..vital.study import run_vital\nfrom . import loaders\n')
    try:
        with pytest.raises(AssertionError, match=r'data/_layout_probe.py:1 imports medvlm.vital.study'): test_imports_only_run_down()
    finally: probe.unlink()
