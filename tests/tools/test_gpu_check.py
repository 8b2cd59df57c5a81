"""The GPU check is exercised on every landing: the offline bundle for the lent GPU
machine is complete, and the check's steps run end to end at toy sizes on the CPU."""
import os
import shutil
import subprocess
import sys

import pytest

from tests import warm_python
from tests.helpers import REPO

pytestmark = pytest.mark.slow
BUNDLE = os.path.join(REPO, '.gpu_bundle')


def test_gpu_bundle_resolves_offline_for_python_312(tmp_path):
    # downloads once (the package index), then only checks
    made = subprocess.run([sys.executable, 'tools/gpu/make_bundle.py', '--out', BUNDLE],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert 'resolves offline for CPython 3.12' in made.stdout
    # the check can fail: without yapf, mmengine and mmcv lack a requirement
    partial = tmp_path / 'bundle'
    shutil.copytree(BUNDLE, partial)
    for name in os.listdir(partial):
        if name.startswith('yapf-'):
            os.remove(partial / name)
    check = subprocess.run([sys.executable, 'tools/gpu/check_bundle.py', str(partial)],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    assert check.returncode == 1
    assert 'mmengine-0.10.7-py3-none-any.whl needs yapf' in check.stderr


def test_gpu_check_dry_run_runs_every_step_on_cpu(tmp_path):
    # the script's Python steps start warm (PYTHON: the fork server's interpreter shim)
    env = dict(os.environ, **warm_python.interpreter_shim(tmp_path))
    result = subprocess.run(['bash', 'tools/gpu_check.sh', '--cpu-dry-run', '--out',
                             str(tmp_path / 'out')], cwd=REPO, capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = tmp_path / 'out'
    summary = (out / 'summary.md').read_text()
    assert summary.count(': ok in') == 4, summary
    rows = (out / 'amp_steps.jsonl').read_text().splitlines()
    assert len(rows) == 2 and all('"float32"' in row and 'error' not in row for row in rows)
    assert 'MatrixSSL' in (out / 'step_bench.txt').read_text()
    assert 'matrix-ssl' in (out / 'loss_bench.txt').read_text()


def test_gpu_check_skips_a_step_that_no_longer_fits(tmp_path):
    result = subprocess.run(['bash', 'tools/gpu_check.sh', '--cpu-dry-run', '--budget', '1',
                             '--out', str(tmp_path)], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = (tmp_path / 'summary.md').read_text()
    assert summary.count('**skipped**') == 4 and 'it needs about' in summary
