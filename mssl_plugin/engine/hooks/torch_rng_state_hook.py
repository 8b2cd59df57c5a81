import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class TorchRNGStateHook(Hook):
    """Save every rank's random generators in checkpoints, restore them on resume.

    mmengine re-seeds on resume but does not restore generator states, so any
    randomness drawn in the training processes (M-MAE's random masking, dropout,
    drop-path from torch's generators; transforms that run in the main process with
    ``num_workers=0`` from python's and numpy's) continues from the seed instead of
    from where the interrupted run stopped. This hook saves, for every rank, torch's
    CPU generator, the current CUDA device's generator, numpy's and python's, and each
    rank restores its own when resuming. mmengine writes checkpoints from rank 0 only
    (its hooks' ``before_save_checkpoint`` runs there alone), so the states are
    gathered before, on every rank: ``AtomicCheckpointHook`` calls
    :meth:`gather_before_save` (a stock ``CheckpointHook`` does not, and a multi-rank
    checkpoint it writes holds rank 0's states only; the other ranks then keep the
    re-seeded generators). The file holds ``checkpoint['torch_rng_state']['ranks']``.

    The states are put back in ``before_train``, after mmengine's ``resume`` has
    re-seeded the process with the checkpoint's seed (``set_randomness`` runs after the
    ``after_load_checkpoint`` hooks and would otherwise undo them). A checkpoint of
    another world size (an epoch-boundary resume with more or fewer processes) gives
    ranks it has no state for the re-seeded generators, as mmengine does.
    The data workers' generators are not carried: ``ResumableEpochBasedTrainLoop``
    makes every sample's augmentation depend only on (seed, epoch, index) instead.
    mmengine's ``IterBasedTrainLoop`` replays the skipped batches on resume, which
    advances numpy's and python's generators by itself (the pipeline draws from them
    with ``num_workers=0``): there only torch's are restored.
    """

    priority = 'VERY_HIGH'
    KEY = 'torch_rng_state'

    def __init__(self) -> None:
        self._pending = None
        self._gathered = None

    def gather_before_save(self, runner) -> None:
        """Collect every rank's states (a collective: call it on all ranks)."""
        self._gathered = all_gather_object(_generator_states())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states, self._gathered = self._gathered, None
        checkpoint[self.KEY] = dict(ranks=states or [_generator_states()])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # load_from (fine-tuning) keeps the fresh seed; only resuming continues the stream
        if not runner._resume or self.KEY not in checkpoint:
            return
        saved = checkpoint[self.KEY]
        if 'ranks' not in saved:  # written before per-rank states: rank 0's for all
            self._pending = saved
            return
        rank = get_rank()
        self._pending = saved['ranks'][rank] if rank < len(saved['ranks']) else None

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if state is None:
            return
        torch.set_rng_state(state['cpu'])
        if isinstance(getattr(runner, 'train_loop', None), IterBasedTrainLoop):
            state = {k: v for k, v in state.items() if k not in ('numpy', 'python')}
        if 'numpy' in state:
            saved = state['numpy']
            np.random.set_state(('MT19937', saved['keys'].numpy().astype(np.uint32),
                                 saved['position'], saved['has_gauss'],
                                 saved['cached_gaussian']))
        if 'python' in state:
            random.setstate(_python_state_from_tensors(state['python']))
        if 'cuda' in state and torch.cuda.is_available():
            cuda_state = state['cuda']
            if isinstance(cuda_state, (list, tuple)):  # older files: every device's
                index = torch.cuda.current_device()
                cuda_state = cuda_state[index] if index < len(cuda_state) else None
            if cuda_state is not None:
                torch.cuda.set_rng_state(cuda_state)


def _generator_states() -> dict:
    numpy_state = np.random.get_state()
    state = dict(cpu=torch.get_rng_state(),
                 numpy=dict(keys=torch.from_numpy(numpy_state[1].astype(np.int64)),
                            position=int(numpy_state[2]),
                            has_gauss=int(numpy_state[3]),
                            cached_gaussian=float(numpy_state[4])),
                 python=_python_state_to_tensors(random.getstate()))
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state()
    return state


# Plain tensors and numbers only: the checkpoint must stay loadable with torch's safe
# (weights_only) unpickler, which refuses numpy arrays of unknown types and tuples of
# python objects it has not been told about.
def _python_state_to_tensors(state) -> dict:
    version, internal, gauss_next = state
    return dict(version=version, internal=torch.tensor(internal, dtype=torch.int64),
                gauss_next=gauss_next)


def _python_state_from_tensors(saved: dict):
    return (saved['version'], tuple(int(v) for v in saved['internal'].tolist()),
            saved['gauss_next'])
