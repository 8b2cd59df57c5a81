"""Each sample's augmentation depends only on (seed, epoch, index)."""
import math
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


def test_attribute_writes_reach_the_wrapped_dataset():
    inner = RandomViews()
    dataset = PerSampleSeededDataset(inner, seed=0)
    dataset.pipeline = 'switched'  # what SwitchRecipeHook / PipelineSwitchHook do
    assert inner.pipeline == 'switched' and dataset.pipeline == 'switched'
    dataset.seed = 4  # the wrapper's own settings stay its own
    assert dataset.seed == 4 and not hasattr(inner, 'seed')


def repeated_epoch(rank, world_size):
    dataset = PerSampleSeededDataset(RandomViews(), seed=7)
    sampler = EpochSeededSampler(
        dataset, dict(type='RepeatAugSampler', num_repeats=3, shuffle=True), seed=7)
    # RepeatAugSampler reads its rank from the process group at build time: lay out the
    # split of a world of `world_size` processes as its __init__ would
    inner = sampler.sampler
    inner.rank, inner.world_size = rank, world_size
    inner.num_samples = math.ceil(len(dataset) * 3 / world_size)
    inner.total_size = inner.num_samples * world_size
    inner.num_selected_samples = math.ceil(len(dataset) / world_size)
    return [(key[1], tuple(dataset[key].tolist())) for key in sampler]


def test_repeated_augmentation_gives_each_copy_its_own_views():
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    for world_size in (1, 2):
        views = {}
        for rank in range(world_size):
            for index, view in repeated_epoch(rank, world_size):
                views.setdefault(index, []).append(view)
        copies = [v for v in views.values() if len(v) > 1]
        assert copies, 'the sampler repeated no sample'
        for index_views in copies:
            assert len(set(index_views)) == len(index_views), index_views  # no duplicate
