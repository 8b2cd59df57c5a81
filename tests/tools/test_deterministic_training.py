"""Determinism: the same config and seed in two fresh processes train bit-identically,
so the demo's numbers are reproducible on one machine and thread count."""
import pytest

import mssl_plugin  # noqa: F401
from tests.helpers import TINY_CONFIG, assert_same_training_state
from tests.tools.epoch_runs import epoch_run_config, final_state, run_to_end

pytestmark = pytest.mark.slow


def test_two_fresh_processes_train_bit_identically(demo_data, tmp_path):
    """Two persistent data workers each; weights, BatchNorm statistics, optimiser and EMA
    state equal to the bit."""
    config = epoch_run_config(tmp_path, TINY_CONFIG, demo_data, by_epoch=True)
    # fresh interpreters: what a fresh process starts from is the subject here
    run_to_end(config, tmp_path / 'one', fresh=True)
    run_to_end(config, tmp_path / 'two', fresh=True)
    first, second = final_state(tmp_path / 'one'), final_state(tmp_path / 'two')
    assert_same_training_state(first, second, tolerance=0.0)
