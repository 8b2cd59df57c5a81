"""An epoch-based training loop whose resume equals the uninterrupted run."""
import copy
from typing import Dict, Union

import torch
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from mmpretrain.registry import LOOPS
from ..checkpoint_files import CheckpointFileError


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that resumes exactly, at an epoch boundary or mid-epoch.

    mmengine 0.10.7's epoch loop restarts an interrupted epoch from its first batch
    while keeping the iteration count: a run checkpointed by iteration
    (``CheckpointHook(by_epoch=False)``) and resumed mid-epoch trains those batches
    twice and runs past the end of its schedule. This loop

    * wraps the training dataset and sampler (``PerSampleSeededDataset``,
      ``EpochSeededSampler``) so each sample's augmentation depends only on
      ``(seed, epoch, index)``, not on data-worker generator states that a
      checkpoint cannot hold;
    * on resume, skips the ``iter - epoch * len(dataloader)`` batches the
      interrupted epoch already trained on, without loading them, so the
      iteration count ends at ``max_epochs * len(dataloader)``;
    * creates each epoch's data iterator without drawing from torch's global
      generator (the DataLoader draws a base seed from it; a resumed run would
      otherwise draw it at another point of the stream than the uninterrupted one).

    Together with ``TorchRNGStateHook`` (the main process's generators) the final
    weights, BatchNorm statistics, optimiser state, lr and EMA step equal those of
    an uninterrupted run. A checkpoint whose position cannot belong to this
    dataloader (the dataset or batch size changed) is refused with an error naming
    it. Same arguments as ``EpochBasedTrainLoop``; a dataloader given as an object
    (not a config) is used as it is and only an epoch-boundary resume is exact.
    """

    EPOCH_LENGTH_KEY = 'iters_per_epoch'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], max_epochs: int,
                 **kwargs) -> None:
        if isinstance(dataloader, dict):
            dataloader = self._seeded(dataloader, runner.seed)
        super().__init__(runner, dataloader, max_epochs, **kwargs)

    @staticmethod
    def _seeded(dataloader: dict, seed: int) -> dict:
        dataloader = copy.deepcopy(dataloader)
        if dataloader['dataset'].get('type') != 'PerSampleSeededDataset':
            dataloader['dataset'] = dict(type='PerSampleSeededDataset',
                                         dataset=dataloader['dataset'], seed=seed)
        sampler = dataloader.get('sampler', dict(type='DefaultSampler', shuffle=True))
        if sampler.get('type') != 'EpochSeededSampler':
            dataloader['sampler'] = dict(type='EpochSeededSampler', sampler=sampler)
        return dataloader

    def _batches_done_in_epoch(self) -> int:
        # the message hub is saved in every checkpoint and restored on resume: a resumed
        # run compares the epoch length it was saved with to its own
        saved_length = self.runner.message_hub.get_info(self.EPOCH_LENGTH_KEY)
        self.runner.message_hub.update_info(self.EPOCH_LENGTH_KEY, len(self.dataloader))
        done = self._iter - self._epoch * len(self.dataloader)
        if saved_length not in (None, len(self.dataloader)) or \
                not 0 <= done <= len(self.dataloader):
            checkpoint = getattr(self.runner, '_load_from', None) or 'the checkpoint'
            raise CheckpointFileError(
                f'cannot resume from {checkpoint}: it was saved at epoch {self._epoch}, '
                f'iteration {self._iter} with {saved_length or "?"} iterations per epoch; '
                f'this run has {len(self.dataloader)}. The dataset or the '
                'batch size (or the number of processes) changed since it was saved: '
                'resume with the settings it was trained with, or start a new run '
                'with load_from= (weights only) instead of --resume')
        return done

    def run_epoch(self) -> None:
        done = self._batches_done_in_epoch()
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        sampler = getattr(self.dataloader, 'sampler', None)
        if done:
            if not hasattr(sampler, 'skip_next'):
                raise RuntimeError(
                    'a mid-epoch resume needs the dataloader built from a config '
                    '(ResumableEpochBasedTrainLoop wraps its sampler), got a '
                    f'{type(sampler).__name__}')
            sampler.skip_next(done * self.dataloader.batch_size)
        generator_state = torch.get_rng_state()
        batches = iter(self.dataloader)
        torch.set_rng_state(generator_state)
        for idx, data_batch in enumerate(batches, start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
