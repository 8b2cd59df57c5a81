"""Every pretraining config under ``configs/`` trains, started as its users start it.

Each config is discovered (a new one is covered on arrival), trained for one iteration on
generated data in its own layout by :class:`tests.shipped_configs.runs.ShippedRuns`, and
must leave a checkpoint that recorded that iteration. The configs are split over
two test files so that pytest-xdist runs the two halves side by side.
"""
import os

import pytest

from tests.shipped_configs.runs import assert_trains_one_iteration, shipped_configs

CONFIGS = [c for c in shipped_configs() if '/benchmarks/' not in c]


def test_every_config_folder_is_discovered():
    every = shipped_configs()
    folders = {os.path.dirname(config) for config in every}
    assert {'', 'examples', 'm_mae', 'm_mae/benchmarks', 'matrix_ssl',
            'matrix_ssl/benchmarks'} <= folders, folders
    assert len(every) >= 34


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS)
def test_pretraining_config_trains_one_iteration(config, shipped_runs):
    assert_trains_one_iteration(shipped_runs, config)
