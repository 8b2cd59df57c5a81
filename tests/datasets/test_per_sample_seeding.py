"""Each sample's augmentation depends only on (seed, epoch, index)."""
import random

import numpy as np
import torch
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader, Dataset

import mssl_plugin  # noqa: F401
from mssl_plugin.datasets import EpochSeededSampler, PerSampleSeededDataset


class RandomViews(Dataset):
    """An 'augmentation' drawing from all three generators."""

    def __len__(self):
        return 24

    def __getitem__(self, index):
        return torch.tensor([index, random.random(), np.random.rand(), float(torch.rand(()))])


def epoch_values(epoch, num_workers, skip=0):
    dataset = PerSampleSeededDataset(RandomViews(), seed=7)
    sampler = EpochSeededSampler(dataset, dict(type='DefaultSampler', shuffle=True), seed=7)
    sampler.set_epoch(epoch)
    sampler.skip_next(skip)
    loader = DataLoader(dataset, batch_size=4, sampler=sampler, num_workers=num_workers,
                        collate_fn=default_collate)
    return torch.cat(list(loader))


def test_same_views_with_any_number_of_workers_and_after_a_skip():
    straight = epoch_values(1, num_workers=0)
    torch.testing.assert_close(epoch_values(1, num_workers=2), straight, rtol=0, atol=0)
    torch.testing.assert_close(epoch_values(1, num_workers=2, skip=8), straight[8:],
                               rtol=0, atol=0)
    other_epoch = epoch_values(2, num_workers=0)
    assert not torch.equal(other_epoch[:, 1:], straight[:, 1:])  # new views each epoch


def test_main_process_generators_are_left_as_they_were():
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    expected = (torch.rand(()), np.random.rand(), random.random())
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    dataset = PerSampleSeededDataset(RandomViews(), seed=7)
    views = [dataset[(0, index)] for index in range(len(dataset))]  # in this process
    assert torch.equal(views[3], dataset[(0, 3)])
    assert (torch.rand(()), np.random.rand(), random.random()) == expected


def test_integer_keys_read_the_wrapped_dataset():
    dataset = PerSampleSeededDataset(RandomViews(), seed=0)
    assert float(dataset[np.int64(5)][0]) == 5.0 and len(dataset) == 24
