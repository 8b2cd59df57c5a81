import os

import pytest
import torch

from tests.helpers import make_demo_data


def pytest_configure(config):
    """Under pytest-xdist, give each worker its share of the cores (the tests' training
    subprocesses inherit it through OMP_NUM_THREADS): oversubscribed threads spin."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
        torch.set_num_threads(threads)
        os.environ.setdefault('OMP_NUM_THREADS', str(threads))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope='module')
def demo_data(tmp_path_factory):
    """The demo digits in ImageNet layout, made once per test module."""
    return make_demo_data(tmp_path_factory.mktemp('data') / 'demo_digits')
