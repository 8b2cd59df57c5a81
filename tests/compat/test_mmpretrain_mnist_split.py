"""FashionMNIST(split='test') reads the 10,000 test images (mmpretrain 1.2.0 read the train
files: compat/mmpretrain_mnist_split.py)."""
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS

import mssl_plugin  # noqa: F401  (installs the fix)
from tests.helpers import REPO

FASHION = os.path.join(REPO, 'data/fashion_mnist')
pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(FASHION, 't10k-labels-idx1-ubyte')),
    reason='Fashion-MNIST is not prepared: install the Debian package dataset-fashion-mnist, '
           'then run `make data`')


def idx_file(name, header):
    with open(os.path.join(FASHION, name), 'rb') as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


@pytest.mark.parametrize('how', ['registry', 'positional'])
def test_each_split_reads_its_own_files(how):
    init_default_scope('mmpretrain')
    from mmpretrain.datasets import FashionMNIST

    def build(split, **kwargs):
        if how == 'registry':
            return DATASETS.build(dict(type='FashionMNIST', data_root=FASHION, split=split,
                                       download=False, **kwargs))
        return FashionMNIST(FASHION, split, None, False, **kwargs)

    test, train = build('test'), build('train')
    assert (len(test), len(train)) == (10000, 60000)
    images = idx_file('t10k-images-idx3-ubyte', 16).reshape(-1, 28, 28)
    labels = idx_file('t10k-labels-idx1-ubyte', 8)
    for index in (0, 9999):
        assert np.array_equal(test.get_data_info(index)['img'], images[index])
        assert int(test.get_data_info(index)['gt_label']) == labels[index]
    assert np.array_equal(train.get_data_info(0)['img'],
                          idx_file('train-images-idx3-ubyte', 16)[:784].reshape(28, 28))
    # the subset the quality study reads: test indices pick from the test files
    assert len(build('test', indices=128)) == 128
