"""benchmarks/label_free_bench.py: what choosing by a label-free metric costs, on hand-made rows."""
import sys

import pytest

from tests.helpers import REPO

sys.path.insert(0, f'{REPO}/benchmarks')
import label_free_bench  # noqa: E402


def checkpoint(method, config, epoch, metric, knn, seed=0, last=2):
    return dict(run=f'{method}_c{config}_s{seed}', method=method, config=config, seed=seed,
                epoch=epoch, final=epoch == last, rankme_backbone=metric, knn=knn,
                linear=knn)


ROWS = [
    # run A: the metric picks epoch 1 (kNN 70, best 72 at epoch 2 = the last)
    checkpoint('A', 0, 1, metric=9.0, knn=70.0), checkpoint('A', 0, 2, metric=5.0, knn=72.0),
    # run B (config 1 of A's method): the metric picks epoch 2, the best
    checkpoint('A', 1, 1, metric=4.0, knn=60.0), checkpoint('A', 1, 2, metric=6.0, knn=66.0),
    # a second method with one config and one checkpoint: no epoch or config decision
    checkpoint('B', 0, 2, metric=1.0, knn=80.0),
]


def test_epoch_regret_counts_each_run_and_compares_with_the_last_epoch():
    entry = label_free_bench.regrets(ROWS, 'rankme_backbone', 'knn', 'epoch')
    assert entry['sets'] == 2  # B's single checkpoint is no decision
    assert entry['metric'] == pytest.approx((2.0 + 0.0) / 2)
    assert entry['random'] == pytest.approx((1.0 + 3.0) / 2)
    assert entry['default'] == pytest.approx(0.0)  # the last epoch is the best in both runs
    assert entry['agree'] == pytest.approx(0.5)


def test_config_regret_uses_final_seed0_checkpoints_against_config_0():
    entry = label_free_bench.regrets(ROWS, 'rankme_backbone', 'knn', 'config')
    # method A: finals 72 (c0, metric 5) and 66 (c1, metric 6): the metric picks c1
    assert entry['sets'] == 1
    assert entry['metric'] == pytest.approx(6.0)
    assert entry['random'] == pytest.approx(3.0)
    assert entry['default'] == pytest.approx(0.0)
    assert entry['agree'] == 0.0


def test_method_regret_picks_among_each_methods_best_config():
    entry = label_free_bench.regrets(ROWS, 'rankme_backbone', 'knn', 'method')
    # A's best config reads 72 (metric 5), B reads 80 (metric 1): the metric picks A
    assert entry == dict(metric=pytest.approx(8.0), random=pytest.approx(4.0), default=None,
                         agree=0.0, sets=1)


def test_no_decision_without_two_candidates():
    assert label_free_bench.regrets(ROWS[-1:], 'rankme_backbone', 'knn', 'epoch') is None


def test_report_prints_the_regret_table():
    text = label_free_bench.format_report(label_free_bench.analyse(ROWS))
    assert 'Choosing by the metric instead of the label' in text
    assert 'rankme_backbone~knn' in text.split('Choosing by the metric')[1]
