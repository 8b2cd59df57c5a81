"""benchmarks/quality_bench.py --quick: one tiny run per method, so the study cannot rot."""
import importlib
import json
import os
import sys

import pytest

from tests import warm_python
from tests.helpers import REPO, run_tool

FASHION = os.path.join(REPO, 'data/fashion_mnist')
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.isfile(os.path.join(FASHION, 't10k-labels-idx1-ubyte')),
        reason='Fashion-MNIST is not prepared: install the Debian package '
               'dataset-fashion-mnist, then run `make data`'),
]


def study_script(name):
    sys.path.insert(0, os.path.join(REPO, 'benchmarks'))
    return importlib.import_module(name)


def test_quick_study_trains_evaluates_and_reports_every_method(tmp_path, monkeypatch, capsys):
    # the study runs here; its training runs are tools/train.py processes, started warm
    warm_python.patched_subprocess_run(monkeypatch)
    quality_bench = study_script('quality_bench')
    out = tmp_path / 'study'
    quality_bench.main(['--quick', '--out-dir', str(out)])
    stdout = capsys.readouterr().out
    lines = (out / 'runs.jsonl').read_text().splitlines()
    # a run is appended when trained and again with its test read-out: the last row wins
    rows = list({r['id']: r for r in map(json.loads, lines)}.values())
    methods = {r['method'] for r in rows if not r.get('floor')}
    # the default study: 48k images, 6 epochs (the quick run shrinks both)
    assert methods == {'Matrix-SSL', 'BYOL', 'SimSiam', 'MAE', 'U-MAE', 'M-MAE'}
    assert not [r['id'] for r in rows if r.get('failed')], stdout
    for row in rows:
        if row.get('floor'):
            continue
        assert row['test'] and row['heldout']
        for values in row['test'].values():
            assert 0.0 <= values['knn'] <= 100.0 and 0.0 <= values['linear'] <= 100.0
        # effective ranks along the schedule: the backbone's for all, the projector's for
        # the Siamese methods (at most the 256 dimensions, at least 1)
        for values in row['heldout'].values():
            assert 1.0 <= values['erank_backbone'] <= 256.0
            siamese = row['method'] in ('Matrix-SSL', 'BYOL', 'SimSiam')
            assert ('erank_projector' in values) == siamese, (row['method'], values)
            if siamese:
                assert 1.0 <= values['erank_projector'] <= 256.0
    assert {'floor_pixels', 'floor_random_siamese', 'floor_random_mae'} <= {
        r['id'] for r in rows}
    assert 'raw pixels' in stdout and 'random R18' in stdout
    assert (out / 'summary.json').is_file() and (out / 'quality.png').is_file()
    # every run in the run table, with its test read-out
    table = (out / 'runs_table.md').read_text()
    for row in rows:
        if not row.get('floor'):
            test = row['test'][max(row['test'], key=int)]
            assert f'| {row["method"]} c0 seed 0 |' in table, table
            assert f'| {test["knn"]:.2f} / {test["linear"]:.2f} |' in table, table
    # the ranks against the read-outs, over the three runs of each family
    correlations = (out / 'rank_correlations.md').read_text()
    for family, rank in (('siamese', 'backbone'), ('siamese', 'projector'), ('mae', 'backbone')):
        assert f'| {family} | {rank} | kNN | 3 |' in correlations, correlations
    assert '| mae | projector |' not in correlations
    # resumable, and as a whole process: a second call finds every run recorded and
    # trains nothing
    again = run_tool(['benchmarks/quality_bench.py', '--quick', '--out-dir', str(out)])
    assert again.returncode == 0, again.stderr[-3000:]
    assert '[1/' not in again.stdout
    assert len((out / 'runs.jsonl').read_text().splitlines()) == len(lines)


def test_diagnosis_quick_run_records_term_gradients_and_ranks(tmp_path, monkeypatch):
    warm_python.patched_subprocess_run(monkeypatch)
    diagnose_matrix_ssl = study_script('diagnose_matrix_ssl')
    results = diagnose_matrix_ssl.main(['--quick', '--out-dir', str(tmp_path)])
    published = results['published']
    assert published['status'] == 'ok'
    for key in ('grad_norm_uniformity', 'grad_norm_alignment', 'erank/backbone'):
        assert all(v is not None and v >= 0 for v in published['summary'][key]), key
    # gamma = 0: the alignment term sends no gradient
    assert results['gamma 0 (no alignment)']['summary']['grad_norm_alignment'][-1] == 0.0
    assert 0 <= published['heldout']['knn'] <= 100
