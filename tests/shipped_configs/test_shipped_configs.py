"""Every config under ``configs/`` trains, started as its users start it.

Each config is discovered (a new one is covered on arrival), trained for one iteration on
generated data in its own layout by :class:`tests.shipped_configs.runs.ShippedRuns`, and
must leave a checkpoint that recorded that iteration. Transfer configs get their backbone
from the shipped pretraining config of the same architecture: extracted by the plugin's
converter for ResNets, the M-MAE checkpoint itself for ViTs.
"""
import json
import os

import pytest

from tests.helpers import make_demo_data
from tests.shipped_configs import layouts
from tests.shipped_configs.runs import ShippedRuns, shipped_configs

CONFIGS = shipped_configs()


@pytest.fixture(scope='module')
def shipped_runs(tmp_path_factory):
    workspace = tmp_path_factory.mktemp('workspace')
    data = workspace / 'data'
    layouts.write_imagenet(str(data / 'imagenet'))
    layouts.write_class_folders(str(data / 'my_images'))
    layouts.write_coco2017(str(data / 'coco'))
    layouts.write_fashion_mnist(str(data / 'fashion_mnist'))
    make_demo_data(data / 'demo_digits', coco_path=data / 'demo_coco')
    runs = ShippedRuns(str(workspace), str(tmp_path_factory.mktemp('runs')))
    yield runs
    timings = {name: round(run['seconds'], 1) for name, run in runs.runs.items()}
    print('\nshipped configs, seconds for one iteration (build included):\n'
          + json.dumps(timings, indent=1))


def test_every_config_folder_is_discovered():
    folders = {os.path.dirname(config) for config in CONFIGS}
    assert {'', 'examples', 'm_mae', 'm_mae/benchmarks', 'matrix_ssl',
            'matrix_ssl/benchmarks'} <= folders, folders
    assert len(CONFIGS) >= 34


@pytest.mark.slow
@pytest.mark.parametrize('config', CONFIGS)
def test_shipped_config_trains_one_iteration(config, shipped_runs):
    run = shipped_runs.train(config)
    assert run['checkpoint'] is not None, f'{config}: no checkpoint in {run["work_dir"]}'
    assert run['iterations'] == 1, run
