"`medvlm reproduce --preset quick --out DIR`: the whole pipeline on the test mini-world renders a complete small report."
import json, os, subprocess, sys
from pathlib import Path

MEDVLM = str(Path(sys.executable).parent/'medvlm')
REPORT_FILES = ['README.md', 'results.md', 'reproduce.json', 'instruction_free.md', 'instruction_free.csv',
                'instruction_free_attributes.md', 'instruction_free_accuracy.png', 'instruction_free_attributes.png',
                'instruction_free_curves.png', 'instruction_free_learning.md', 'instruction_free_learning.png',
                'instruction_free_adapter_lora.md', 'biomed_vital_selection_sweep.md', 'biomed_vital_selection_sweep.png',
                'biomed_vital.md', 'biomed_vital.csv', 'biomed_vital_selection.md',
                'biomed_vital_sweep.png']

def test_reproduce_quick_renders_a_complete_report(tmp_path):
    env = {**os.environ, 'MEDVLM_PATHS_RUNS': str(tmp_path/'runs'), 'OMP_NUM_THREADS': '1'}
    out = tmp_path/'report'
    command = [MEDVLM, 'reproduce', '--preset', 'quick', '--out', str(out), '--workers', '2']
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    missing = [name for name in REPORT_FILES if not (out/name).is_file()]
    assert not missing, missing
    summary = json.loads((out/'reproduce.json').read_text())
    assert summary['failed'] == [] and len(summary['jobs']) == 4 + 1 + 1, summary['failed']   # four benchmarks, the LoRA arm, one study
    assert all(Path(job['executed']).is_file() for job in summary['jobs'])          # every executed notebook kept
    readme = (out/'README.md').read_text()
    assert '`medvlm reproduce --preset quick` took' in readme and '6 done' in readme and 'partial' not in readme, readme
    assert '[6/6]' in done.stderr                                                # progress: runs done / total
    metrics = sorted((tmp_path/'runs').rglob('metrics.json'))
    assert len(metrics) >= 4 * 5 + 5, len(metrics)                              # 4 benchmarks and the LoRA arm, 5 methods each
    written = {p: p.stat().st_mtime_ns for p in metrics}
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)   # resumable: read back, not redone
    again_readme = (out/'README.md').read_text()
    assert again.returncode == 0 and '6 done' in again_readme and '6 of 6 read back runs' in again_readme, again.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in metrics} == written
