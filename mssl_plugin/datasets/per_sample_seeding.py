"""Augmentation randomness as a function of (seed, epoch, sample), not of worker state.

A data worker draws its crops and flips from the numpy / python / torch generators of
its own process. Those states live in the workers (persistent across epochs with
``persistent_workers=True``), the main process cannot read them into a checkpoint, and
a resumed run starts its workers from the seed again: its augmentations, and so its
weights, differ from the uninterrupted run's. Instead of carrying worker states, the
two wrappers below make every sample's augmentation depend only on
``(seed, epoch, index)``:

* :class:`EpochSeededSampler` wraps the configured sampler (e.g. ``DefaultSampler``)
  and yields ``(epoch, index)`` pairs instead of indices;
* :class:`PerSampleSeededDataset` wraps the dataset; for such a pair it seeds the
  python, numpy and torch (CPU) generators from ``(seed, epoch, index)``, runs the
  wrapped dataset's pipeline, and puts the generators back as they were (with
  ``num_workers=0`` the pipeline runs in the main process, whose torch generator
  also draws M-MAE's masks).

The same sample then gets the same views in an interrupted and an uninterrupted run,
whatever the number of workers, their persistence or the world size, and a resumed
epoch can skip the batches it already trained on without loading them
(``ResumableEpochBasedTrainLoop`` installs both wrappers).
"""
import numbers
import random
from typing import Iterator, Optional, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from mmpretrain.registry import DATA_SAMPLERS, DATASETS


def sample_seed(seed: int, epoch: int, index: int, repeat: int = 0) -> int:
    """A 32-bit seed that depends on all numbers (numpy's ``SeedSequence``).

    ``repeat`` tells apart the copies of one sample that a repeated-augmentation sampler
    (mmpretrain's ``RepeatAugSampler``) puts in one epoch; 0 keeps the seeds of a
    sampler without repeats as they were.
    """
    entropy = [seed, epoch, index] + ([repeat] if repeat else [])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


class _SavedGenerators:
    """Save python / numpy / torch-CPU generator states, restore them on exit."""

    def __enter__(self):
        self.python, self.numpy = random.getstate(), np.random.get_state()
        self.torch = torch.get_rng_state()
        return self

    def __exit__(self, *exc_info):
        random.setstate(self.python)
        np.random.set_state(self.numpy)
        torch.set_rng_state(self.torch)
        return False


def seed_generators(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)  # CPU only: CUDA streams are not touched


@DATASETS.register_module()
class PerSampleSeededDataset(Dataset):
    """Wrap a dataset so that ``dataset[(epoch, index)]`` augments deterministically.

    Args:
        dataset (Dataset | dict): the dataset (or its config) to wrap.
        seed (int): the run's seed (``randomness.seed``).

    An integer key reads ``dataset[index]`` with the generators as they are (tools,
    visualisation); a key ``(epoch, index)`` or ``(epoch, index, repeat)`` seeds them
    from :func:`sample_seed` first. Reading and setting any other attribute reaches the
    wrapped dataset, so the wrapper stays invisible to hooks and tools.
    """

    _OWN = ('dataset', 'seed')

    def __init__(self, dataset: Union[Dataset, dict], seed: int = 0) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.seed = int(seed)

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name):
        # everything else (get_data_info, CLASSES, ...) is the wrapped dataset's
        if name == 'dataset':
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __setattr__(self, name, value):
        # hooks that switch the recipe by assignment (mmpretrain's SwitchRecipeHook,
        # mmdet's PipelineSwitchHook: ``dataset.pipeline = ...``) must reach the data set
        if name in self._OWN or 'dataset' not in self.__dict__:
            object.__setattr__(self, name, value)
        else:
            setattr(self.dataset, name, value)

    def __getitem__(self, key: Union[int, Tuple[int, ...]]):
        if isinstance(key, numbers.Integral):
            return self.dataset[int(key)]
        epoch, index, *repeat = key
        with _SavedGenerators():
            seed_generators(sample_seed(self.seed, epoch, index, *repeat))
            return self.dataset[index]


@DATA_SAMPLERS.register_module()
class EpochSeededSampler:
    """Yield ``(epoch, index)`` from a wrapped sampler; skip the first samples on request.

    Args:
        dataset: the (wrapped) dataset, passed on to the inner sampler.
        sampler (dict): config of the inner sampler (e.g. ``DefaultSampler``).
        seed (int, optional): the run's seed, passed on to the inner sampler.
    """

    def __init__(self, dataset, sampler: dict, seed: Optional[int] = None) -> None:
        self.sampler = DATA_SAMPLERS.build(sampler, default_args=dict(dataset=dataset,
                                                                      seed=seed))
        self.epoch = 0
        self._skip = 0

    @property
    def seed(self):
        return getattr(self.sampler, 'seed', None)

    @seed.setter
    def seed(self, seed: int) -> None:
        """Set the inner sampler's seed (a resumed run adopts its checkpoint's)."""
        if hasattr(self.sampler, 'seed'):
            self.sampler.seed = seed

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def skip_next(self, samples: int) -> None:
        """Leave out the first ``samples`` indices of the next pass (a resumed epoch)."""
        self._skip = int(samples)

    def _repeat_number(self, position: int) -> int:
        # RepeatAugSampler lays out [a, a, a, b, b, b, ...] and gives rank r the positions
        # r, r + world, ...: the copy number of a sample is its global position modulo
        # the repeats (the padding at the end repeats the first samples' copies)
        repeats = getattr(self.sampler, 'num_repeats', 1)
        if repeats <= 1:
            return 0
        world = getattr(self.sampler, 'world_size', 1)
        rank = getattr(self.sampler, 'rank', 0)
        return (rank + position * world) % repeats

    def __iter__(self) -> Iterator[Tuple[int, ...]]:
        skip, self._skip = self._skip, 0
        for position, index in enumerate(self.sampler):
            if position >= skip:
                repeat = self._repeat_number(position)
                yield (self.epoch, int(index), repeat) if repeat else (self.epoch, int(index))

    def __len__(self) -> int:
        return len(self.sampler)


@DATA_SAMPLERS.register_module()
class EpochSeededBatchSampler:
    """Yield batches of ``(epoch, index)`` from a wrapped batch sampler (mmdet's
    ``AspectRatioBatchSampler``, torch's ``BatchSampler``); skip batches on request.

    Args:
        sampler (Sampler): the index sampler mmengine built (e.g. ``DefaultSampler``);
            the wrapped batch sampler reads it as it is (plain indices), and
            ``DistSamplerSeedHook`` sets its epoch through ``self.sampler``.
        batch_size (int): passed on to the wrapped batch sampler.
        batch_sampler (dict): config of the wrapped batch sampler.
    """

    def __init__(self, sampler, batch_size: int, batch_sampler: dict) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.batch_sampler = DATA_SAMPLERS.build(
            batch_sampler, default_args=dict(sampler=sampler, batch_size=batch_size))
        self._skip = 0

    def skip_next_batches(self, batches: int) -> None:
        """Leave out the first ``batches`` batches of the next pass (a resumed epoch)."""
        self._skip = int(batches)

    def __iter__(self) -> Iterator[list]:
        skip, self._skip = self._skip, 0
        epoch = getattr(self.sampler, 'epoch', 0)
        for position, batch in enumerate(self.batch_sampler):
            if position >= skip:
                yield [(epoch, int(index)) for index in batch]

    def __len__(self) -> int:
        return len(self.batch_sampler)
