import collections
import json
import os
import time

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


# -- the suite's schedule and its time budget -------------------------------------------
# seconds per test file, measured on the project's 2-core machine (update with
# `make test PYTEST_ARGS=--record-file-durations`); read to start the longest files first
FILE_DURATIONS = os.path.join(os.path.dirname(__file__), 'file_durations.json')


def pytest_addoption(parser):
    parser.addoption('--time-limit', type=float, default=None, metavar='SECONDS',
                     help='fail the session when its wall time passes SECONDS (make test: '
                          'the suite must stay fast; the slowest tests are printed)')
    parser.addoption('--record-file-durations', action='store_true',
                     help=f'write the seconds per test file to {FILE_DURATIONS}')


def pytest_collection_modifyitems(config, items):
    """Longest test files first. Under ``--dist loadfile`` (with ``--no-loadscope-reorder``)
    a worker takes whole files in this order: a long file started last would keep one
    worker busy while the other has nothing left (the longest-first rule). Within a file
    the order is kept (a stable sort)."""
    if not os.path.isfile(FILE_DURATIONS):
        return
    with open(FILE_DURATIONS) as f:
        seconds = json.load(f)
    items.sort(key=lambda item: -seconds.get(item.nodeid.split('::')[0], 0.0))


class SuiteClock:
    """Wall time of the session and seconds per file, on the controlling process."""

    def __init__(self):
        self.start = time.perf_counter()
        self.per_file = collections.Counter()

    def pytest_runtest_logreport(self, report):
        self.per_file[report.nodeid.split('::')[0]] += report.duration


def pytest_sessionstart(session):
    if not hasattr(session.config, 'workerinput'):  # not inside a pytest-xdist worker
        session.config._suite_clock = SuiteClock()
        session.config.pluginmanager.register(session.config._suite_clock, 'suite-clock')


def pytest_sessionfinish(session, exitstatus):
    clock = getattr(session.config, '_suite_clock', None)
    if clock is None:
        return
    wall = time.perf_counter() - clock.start
    if session.config.getoption('record_file_durations'):
        with open(FILE_DURATIONS, 'w') as f:
            json.dump({name: round(value, 1) for name, value in clock.per_file.most_common()},
                      f, indent=1)
            f.write('\n')
    limit = session.config.getoption('time_limit')
    if limit is not None and wall > limit and exitstatus == 0:
        session.config._suite_over_time = (wall, limit, clock.per_file.most_common(10))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    over = getattr(config, '_suite_over_time', None)
    if over is None:
        return
    wall, limit, files = over
    terminalreporter.section('suite over its time budget', red=True)
    terminalreporter.write_line(
        f'the suite took {wall / 60:.1f} min, over its limit of {limit / 60:.1f} min '
        '(--time-limit): make the slowest tests (listed above) and files cheaper before '
        'adding more')
    for name, seconds in files:
        terminalreporter.write_line(f'{seconds:8.1f} s  {name}')
