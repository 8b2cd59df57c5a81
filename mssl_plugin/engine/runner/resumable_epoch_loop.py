"""An epoch-based training loop whose resume equals the uninterrupted run."""
import copy
from typing import Dict, Union

import torch
from mmengine.dist import get_rank
from mmengine.registry import DefaultScope
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from mmpretrain.registry import LOOPS
from ..checkpoint_files import CheckpointFileError

PLUGIN_SCOPE = 'mmpretrain'


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that resumes exactly, at an epoch boundary or mid-epoch.

    mmengine 0.10.7's epoch loop restarts an interrupted epoch from its first batch
    while keeping the iteration count: a run checkpointed by iteration
    (``CheckpointHook(by_epoch=False)``) and resumed mid-epoch trains those batches
    twice and runs past the end of its schedule. This loop

    * wraps the training dataset and sampler (``PerSampleSeededDataset``, and
      ``EpochSeededSampler`` or, when the config has a ``batch_sampler`` such as
      mmdet's ``AspectRatioBatchSampler``, ``EpochSeededBatchSampler``) so each
      sample's augmentation depends only on ``(seed, epoch, index)``, not on
      data-worker generator states that a checkpoint cannot hold;
    * seeds the data order and the per-sample seeds with the run's *base* seed (the
      same on every rank, also with ``diff_rank_seed=True``, where mmengine would give
      the sampler a fresh random seed), and on resume adopts the seed the checkpoint
      recorded (a run with ``randomness.seed=None`` draws a new one at start-up);
    * on resume, skips the batches the interrupted epoch already trained on, without
      loading them, so the iteration count ends at ``max_epochs * len(dataloader)``;
    * creates each epoch's data iterator without drawing from torch's global
      generator (the DataLoader draws a base seed from it; a resumed run would
      otherwise draw it at another point of the stream than the uninterrupted one).

    Together with ``TorchRNGStateHook`` (every rank's generators) the final weights,
    BatchNorm statistics, optimiser state, lr and EMA step equal those of an
    uninterrupted run. A checkpoint whose position cannot belong to this dataloader
    (the dataset, batch size or number of processes changed) is refused mid-epoch with
    an error naming it; at an epoch boundary it resumes, as in mmengine. Same arguments
    as ``EpochBasedTrainLoop``; a dataloader given as an object (not a config) is used
    as it is and only an epoch-boundary resume is exact.

    Under another package's scope (an mmdet config) name it
    ``'mmpretrain.ResumableEpochBasedTrainLoop'``: mmdet's registry does not search
    mmpretrain's.
    """

    EPOCH_LENGTH_KEY = 'iters_per_epoch'
    # iterations before this epoch that were counted with another epoch length
    ITER_OFFSET_KEY = 'iters_before_epoch_length_change'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], max_epochs: int,
                 **kwargs) -> None:
        if isinstance(dataloader, dict):
            dataloader = self._seeded(dataloader, data_seed(runner))
        super().__init__(runner, dataloader, max_epochs, **kwargs)

    @staticmethod
    def _seeded(dataloader: dict, seed: int) -> dict:
        dataloader = copy.deepcopy(dataloader)
        # the wrappers live in mmpretrain's registry; what they wrap keeps its own scope
        # (mmdet's CocoDataset, AspectRatioBatchSampler) or the runner's default one
        scope = getattr(DefaultScope.get_current_instance(), 'scope_name', PLUGIN_SCOPE)

        def scoped(cfg):
            if isinstance(cfg, dict) and '_scope_' not in cfg:
                cfg = dict(cfg, _scope_=scope)
            return cfg

        dataset = dataloader['dataset']
        if not _is(dataset, 'PerSampleSeededDataset'):
            dataloader['dataset'] = dict(type='PerSampleSeededDataset', _scope_=PLUGIN_SCOPE,
                                         dataset=scoped(dataset), seed=seed)
        sampler = dataloader.get('sampler', dict(type='DefaultSampler', shuffle=True))
        batch_sampler = dataloader.get('batch_sampler')
        if batch_sampler is not None:
            # mmdet's AspectRatioBatchSampler wants a torch Sampler of plain indices: the
            # index sampler stays as it is (with the base seed), the batches are wrapped
            if isinstance(sampler, dict):
                dataloader['sampler'] = dict(scoped(sampler), seed=seed)
            if not _is(batch_sampler, 'EpochSeededBatchSampler'):
                dataloader['batch_sampler'] = dict(type='EpochSeededBatchSampler',
                                                   _scope_=PLUGIN_SCOPE,
                                                   batch_sampler=scoped(batch_sampler))
        elif not _is(sampler, 'EpochSeededSampler'):
            dataloader['sampler'] = dict(type='EpochSeededSampler', _scope_=PLUGIN_SCOPE,
                                         sampler=scoped(sampler), seed=seed)
        return dataloader

    def run(self) -> torch.nn.Module:
        # runs after load_or_resume: a resumed run now knows the seed it was saved with
        self._adopt_seed(data_seed(self.runner))
        return super().run()

    def _adopt_seed(self, seed: int) -> None:
        # only the wrappers _seeded installed: a dataloader given as an object keeps its own
        dataset = getattr(self.dataloader, 'dataset', None)
        if _is(dataset, 'PerSampleSeededDataset'):
            dataset.seed = seed
        sampler = getattr(self.dataloader, 'sampler', None)
        if _is(sampler, 'EpochSeededSampler'):
            sampler.seed = seed
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        if _is(batch_sampler, 'EpochSeededBatchSampler') and \
                hasattr(batch_sampler.sampler, 'seed'):
            batch_sampler.sampler.seed = seed

    def _batches_done_in_epoch(self) -> int:
        # the message hub is saved in every checkpoint and restored on resume: a resumed
        # run compares the epoch length it was saved with to its own
        hub = self.runner.message_hub
        saved_length = hub.get_info(self.EPOCH_LENGTH_KEY)
        length = len(self.dataloader)
        hub.update_info(self.EPOCH_LENGTH_KEY, length)
        offset = hub.get_info(self.ITER_OFFSET_KEY) or 0
        if saved_length not in (None, length) and self._iter == \
                self._epoch * saved_length + offset:
            # an epoch boundary with another epoch length (world size or batch size):
            # mmengine resumes there, its iteration count going on from the saved one
            hub.update_info(self.ITER_OFFSET_KEY, self._iter - self._epoch * length)
            return 0
        done = self._iter - self._epoch * length - offset
        if saved_length not in (None, len(self.dataloader)) or \
                not 0 <= done <= len(self.dataloader):
            checkpoint = getattr(self.runner, '_load_from', None) or 'the checkpoint'
            raise CheckpointFileError(
                f'cannot resume from {checkpoint}: it was saved at epoch {self._epoch}, '
                f'iteration {self._iter} (mid-epoch) with {saved_length or "?"} iterations '
                f'per epoch; this run has {len(self.dataloader)}. The dataset or the '
                'batch size (or the number of processes) changed since it was saved: '
                'resume with the settings it was trained with, resume from a checkpoint '
                'saved at the end of an epoch, or start a new run with load_from= '
                '(weights only) instead of --resume')
        return done

    def _skip_batches(self, done: int) -> None:
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        sampler = getattr(self.dataloader, 'sampler', None)
        if hasattr(batch_sampler, 'skip_next_batches'):
            batch_sampler.skip_next_batches(done)
        elif hasattr(sampler, 'skip_next'):
            sampler.skip_next(done * self.dataloader.batch_size)
        else:
            raise RuntimeError(
                'a mid-epoch resume needs the dataloader built from a config '
                '(ResumableEpochBasedTrainLoop wraps its sampler), got a '
                f'{type(sampler).__name__}')

    def run_epoch(self) -> None:
        done = self._batches_done_in_epoch()
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        if done:
            self._skip_batches(done)
        generator_state = torch.get_rng_state()
        batches = iter(self.dataloader)
        torch.set_rng_state(generator_state)
        for idx, data_batch in enumerate(batches, start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1


def data_seed(runner) -> int:
    """The run's base seed: ``runner.seed`` without the rank that ``diff_rank_seed`` adds."""
    randomness = getattr(runner, '_randomness_cfg', None) or {}
    offset = get_rank() if randomness.get('diff_rank_seed') else 0
    return runner.seed - offset


def _is(cfg, type_name: str) -> bool:
    """Whether a config dict (or a built object) is of the registered type ``type_name``."""
    if isinstance(cfg, dict):
        return str(cfg.get('type', '')).split('.')[-1] == type_name
    return type(cfg).__name__ == type_name
