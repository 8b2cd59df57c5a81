"""benchmarks/label_free_digits.py --quick: train, measure and report one digits run."""
import importlib
import json
import os
import sys

import pytest

from tests import warm_python
from tests.helpers import REPO, make_demo_data, run_tool

pytestmark = pytest.mark.slow


def test_quick_digits_run_is_measured_without_labels_and_reported(
        tmp_path, monkeypatch, capsys):
    digits = make_demo_data(tmp_path / 'digits_data')
    out = tmp_path / 'digits'
    command = ['benchmarks/label_free_digits.py', '--quick', '--runs', 'matrix-ssl_c0',
               '--out-dir', str(out), '--data-root', str(digits)]
    # the script runs here; its training run is a tools/train.py process, started warm
    warm_python.patched_subprocess_run(monkeypatch)
    sys.path.insert(0, os.path.join(REPO, 'benchmarks'))
    label_free_digits = importlib.import_module('label_free_digits')
    label_free_digits.main(command[1:])
    stdout = capsys.readouterr().out
    rows = [json.loads(line) for line in (out / 'label_free.jsonl').read_text().splitlines()]
    assert [r['id'] for r in rows] == ['matrix-ssl_c0@1']
    for key in ('rankme_backbone', 'rankme_projector', 'lidar_backbone', 'lidar_projector'):
        assert rows[0][key] > 1.0, key  # an effective rank of a non-collapsed embedding
    assert 0.0 <= rows[0]['knn'] <= 100.0 and 0.0 <= rows[0]['linear'] <= 100.0
    assert 'Choosing by the metric instead of the label' in stdout
    # resumable: a measured checkpoint is neither retrained nor measured again
    again = run_tool(command, timeout=900)
    assert again.returncode == 0
    assert 'training' not in again.stdout and 'measuring' not in again.stdout
    assert len((out / 'label_free.jsonl').read_text().splitlines()) == 1
