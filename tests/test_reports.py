"The README's results section is the committed report's, generated from run files - not typed by hand."
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def shown_results() -> str:
    cells = json.loads((ROOT/'nbs'/'index.ipynb').read_text())['cells']
    cell = next(c for c in cells if c['cell_type'] == 'code' and 'reports/results.md' in ''.join(c['source']))
    return ''.join(cell['outputs'][0]['data']['text/markdown'])

def test_readme_shows_the_committed_results():
    assert shown_results() == (ROOT/'reports'/'results.md').read_text(), "README results are stale: run `make reproduce` (or re-execute nbs/index.ipynb, then `make readme`)"
    assert shown_results().strip() in (ROOT/'README.md').read_text()
