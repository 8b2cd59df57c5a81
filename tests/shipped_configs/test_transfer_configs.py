"""Every transfer (linear, fine-tuning, detection) config under ``configs/`` trains, started
as its users start it.

Each config is discovered (a new one is covered on arrival), trained for one iteration on
generated data in its own layout by :class:`tests.shipped_configs.runs.ShippedRuns`, and
must leave a checkpoint that recorded that iteration. Each gets its
backbone from the shipped pretraining config of the same architecture: extracted by the
plugin's converter for ResNets, the M-MAE checkpoint itself for ViTs. The configs are split over
two test files so that pytest-xdist runs the two halves side by side.
"""
import pytest

from tests.shipped_configs.runs import assert_trains_one_iteration, shipped_configs

CONFIGS = [c for c in shipped_configs() if '/benchmarks/' in c]


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS)
def test_transfer_config_trains_one_iteration(config, shipped_runs):
    assert_trains_one_iteration(shipped_runs, config)
