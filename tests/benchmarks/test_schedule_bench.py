"""benchmarks/schedule_bench.py: the selected recipes, stretched to a longer schedule."""
import sys

import pytest
from mmengine.config import Config

from tests.helpers import REPO

sys.path.insert(0, f'{REPO}/benchmarks')
import quality_bench  # noqa: E402
import schedule_bench  # noqa: E402


def test_the_selected_configs_come_from_the_committed_study():
    assert schedule_bench.selected_configs(schedule_bench.COMMITTED, ['Matrix-SSL', 'M-MAE']) \
        == {'Matrix-SSL': 1, 'M-MAE': 1}


@pytest.mark.parametrize('method', quality_bench.PLUGIN_METHODS)
def test_the_options_stretch_warm_up_and_cosine_to_the_longer_schedule(tmp_path, method):
    """What ``tools/train.py`` resolves from the run's command line: the selected grid
    entry, the seed and the stretched schedule."""
    study = quality_bench.Study(str(tmp_path), study=schedule_bench.STUDY,
                                overrides=schedule_bench.schedule_options(24, 6))
    path = study.config_path(method)
    schedule_bench.check_recipe_schedule(study.config(path), path)
    command, options, _ = study.train_command(method, 1, 0)
    assert command[command.index('--cfg-options') + 1:] == [f'{k}={v}'
                                                            for k, v in options.items()]
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options)  # as tools/train.py does with --cfg-options
    assert cfg.train_cfg.max_epochs == 24 and cfg.default_hooks.checkpoint.interval == 6
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.begin, warmup.end) == ('LinearLR', 0, 1)
    assert (cosine.type, cosine.begin, cosine.end, cosine.T_max) == (
        'CosineAnnealingLR', 1, 24, 23)
    for key, value in study.methods[method]['grid'][1].items():  # the selected entry
        assert options[key] == value


def test_a_schedule_it_cannot_stretch_is_refused():
    with pytest.raises(ValueError, match='--epochs 20 --interval 6'):
        schedule_bench.schedule_options(20, 6)
    cfg = Config(dict(param_scheduler=[dict(type='MultiStepLR', milestones=[3])],
                      train_cfg=dict(max_epochs=6)))
    with pytest.raises(ValueError, match='expected param_scheduler'):
        schedule_bench.check_recipe_schedule(cfg, 'some_config.py')


def test_the_table_lists_every_read_out_and_the_pixels():
    row = dict(id='m-mae_c1_s0', method='M-MAE', config=1, seed=0, failed=False,
               overrides=schedule_bench.schedule_options(12, 6),
               heldout={'6': dict(knn=80.0, linear=81.0, erank_backbone=30.0),
                        '12': dict(knn=82.5, linear=83.0, erank_backbone=35.25)})
    table = schedule_bench.schedule_table({'m-mae_c1_s0': row}, dict(knn=84.35, linear=83.95))
    assert '| M-MAE c1 seed 0, 12 epochs | 12 | 82.50 | 83.00 | 35.2 | - |' in table
    assert table.endswith('| *raw pixels* | - | *84.35* | *83.95* | | |')
