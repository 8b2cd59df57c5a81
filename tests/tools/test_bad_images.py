"""Unreadable images: found before a run, named when they stop one, skipped on request."""
import os
import re

import pytest

from tests import warm_python
from tests.helpers import TINY_CONFIG, make_demo_data

pytestmark = pytest.mark.slow
ENV = dict(os.environ)


@pytest.fixture(scope='module')
def damaged_digits(tmp_path_factory):
    """The demo digits with a zero-byte and a truncated PNG among the first 32 images."""
    root = make_demo_data(tmp_path_factory.mktemp('data') / 'demo_digits')
    lines = (root / 'meta' / 'train.txt').read_text().splitlines()
    empty, truncated = (root / 'train' / lines[i].split()[0] for i in (3, 17))
    empty.write_bytes(b'')
    truncated.write_bytes(truncated.read_bytes()[:40])
    return root, str(empty), str(truncated)


def options(root, *extra):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            'train_dataloader.dataset.indices=32', 'train_dataloader.batch_size=16',
            'train_cfg.max_epochs=1', *extra]


def run(args):
    return warm_python.run(args, env=ENV)


def test_check_dataset_lists_every_unreadable_image(damaged_digits, tmp_path):
    root, empty, truncated = damaged_digits
    out = tmp_path / 'bad.txt'
    result = run(['tools/check_dataset.py', TINY_CONFIG, '--splits', 'train', '--out',
                  str(out), '--cfg-options', f'train_dataloader.dataset.data_root={root}'])
    assert result.returncode == 1, result.stderr[-2000:]
    listed = out.read_text().splitlines()
    assert len(listed) == 2
    assert any(empty in line and 'empty (0 bytes)' in line for line in listed)
    assert any(truncated in line and 'cannot be decoded' in line for line in listed)
    assert 's per 1000 images' in result.stdout and '2 unreadable' in result.stdout


def test_training_names_the_unreadable_file_or_skips_it_when_asked(damaged_digits, tmp_path):
    root, empty, truncated = damaged_digits
    stopped = run(['tools/train.py', TINY_CONFIG, '--work-dir', str(tmp_path / 'a'),
                   *options(root)])
    assert stopped.returncode != 0
    assert 'UnreadableImageError' in stopped.stderr
    assert empty in stopped.stderr or truncated in stopped.stderr

    skipped = run(['tools/train.py', TINY_CONFIG, '--work-dir', str(tmp_path / 'b'),
                   *options(root, 'train_dataloader.dataset.pipeline.0.skip_unreadable=True')])
    output = skipped.stdout + skipped.stderr
    assert skipped.returncode == 0, skipped.stderr[-3000:]
    assert empty in output and truncated in output  # each named in a warning
    counts = [int(n) for n in re.findall(r'skipped (\d+) unreadable image', output)]
    assert counts and counts[0] >= 2  # a redrawn sample may hit a bad file again
    listed = (tmp_path / 'b' / 'skipped_images.txt').read_text().split()
    assert set(listed) == {empty, truncated} and len(listed) == counts[0]
