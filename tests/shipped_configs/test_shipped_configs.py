"""Every config under ``configs/`` trains, started as its users start it.

Each config is discovered (a new one is covered on arrival), trained for one iteration on
generated data in its own layout by :class:`tests.shipped_configs.runs.ShippedRuns`, and
must leave a checkpoint that recorded that iteration; a schedule variant (another
``max_epochs`` / ``param_scheduler`` only) is covered by the config it shares everything
else with, and its own schedule is stepped to the end. Transfer configs (linear,
fine-tuning, detection) get their backbone from the shipped pretraining config of the
same architecture: extracted by the plugin's converter for ResNets, the M-MAE checkpoint
itself for ViTs. One module, so that each pretraining run a transfer config reads is
trained once.
"""
import os

import pytest

from tests.shipped_configs.runs import assert_trains_one_iteration, shipped_configs

PRETRAINING = [c for c in shipped_configs() if '/benchmarks/' not in c]
TRANSFER = [c for c in shipped_configs() if '/benchmarks/' in c]


def test_every_config_folder_is_discovered():
    every = shipped_configs()
    folders = {os.path.dirname(config) for config in every}
    assert {'', 'examples', 'm_mae', 'm_mae/benchmarks', 'matrix_ssl',
            'matrix_ssl/benchmarks'} <= folders, folders
    assert len(every) >= 34


@pytest.mark.slow
@pytest.mark.parametrize('config', PRETRAINING)
def test_pretraining_config_trains_one_iteration(config, shipped_runs):
    assert_trains_one_iteration(shipped_runs, config)


@pytest.mark.slow
@pytest.mark.parametrize('config', TRANSFER)
def test_transfer_config_trains_one_iteration(config, shipped_runs):
    assert_trains_one_iteration(shipped_runs, config)


def test_a_schedule_that_ends_early_or_a_changed_model_is_not_a_schedule_variant(tmp_path):
    from tests.shipped_configs.runs import (CONFIG_ROOT, assert_schedule_covers_training,
                                            differs_in_schedule_only, flat_config)
    base = os.path.join(CONFIG_ROOT, 'matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-800e_in1k.py')
    early = tmp_path / 'cosine_ends_at_400.py'
    early.write_text(f'_base_ = {base!r}\nparam_scheduler = [dict(type="LinearLR", '
                     'start_factor=1e-4, by_epoch=True, begin=0, end=10, '
                     'convert_to_iter_based=True), dict(type="CosineAnnealingLR", T_max=390, '
                     'by_epoch=True, begin=10, end=400, convert_to_iter_based=True)]\n')
    with pytest.raises(AssertionError, match='the schedule ends at 800, training at 1600'):
        assert_schedule_covers_training(str(early))
    other_model = tmp_path / 'other_model.py'
    other_model.write_text(f'_base_ = {base!r}\nmodel = dict(head=dict(loss=dict(mu=0.5)))\n')
    assert differs_in_schedule_only(flat_config(base), flat_config(str(early)))
    assert not differs_in_schedule_only(flat_config(base), flat_config(str(other_model)))
