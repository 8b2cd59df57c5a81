"""Generated data in every shipped config's layout, and the runs trained on it."""
import json

import pytest

from tests.helpers import make_demo_data
from tests.shipped_configs import layouts
from tests.shipped_configs.runs import ShippedRuns


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
