"""The demo's tools print what a person reads, not mmengine's init report; the GPU
check's skip path (CI has no GPU)."""
import subprocess

import pytest
import torch

from tests.helpers import TINY_CONFIG, REPO, make_demo_data, run_tool

INIT_REPORT = 'The value is the same before and after calling `init_weights`'


@pytest.mark.slow
def test_knn_and_spectrum_tools_hold_back_the_init_report(tmp_path):
    data = make_demo_data(tmp_path / 'demo_digits')
    options = ['--cfg-options', f'knn_eval.train_dataset.data_root={data}',
               f'knn_eval.val_dataset.data_root={data}']
    # a fresh interpreter: everything a user's screen shows, imports included
    knn = run_tool(['tools/knn_eval.py', TINY_CONFIG, '--random-init', *options], fresh=True)
    assert knn.returncode == 0, knn.stderr
    output = knn.stdout + knn.stderr
    assert INIT_REPORT not in output
    assert len(output.splitlines()) <= 10, output
    assert 'random init' in output and '%' in output
    spectrum = run_tool(['tools/analysis/spectrum.py', TINY_CONFIG, '--random-init',
                         '--out-dir', str(tmp_path / 'spectrum'), *options])
    assert spectrum.returncode == 0, spectrum.stderr
    assert INIT_REPORT not in spectrum.stdout + spectrum.stderr
    assert 'effective rank' in spectrum.stdout
    verbose = run_tool(['tools/knn_eval.py', TINY_CONFIG, '--random-init', '--verbose',
                        *options])
    assert verbose.returncode == 0, verbose.stderr
    assert INIT_REPORT in verbose.stdout + verbose.stderr  # --verbose brings it back


@pytest.mark.skipif(torch.cuda.is_available(), reason='the skip path needs a machine without CUDA')
def test_gpu_check_takes_its_skip_path_without_cuda():
    result = subprocess.run(['bash', 'tools/gpu_check.sh'], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'no CUDA device visible' in result.stdout and 'skipping' in result.stdout
