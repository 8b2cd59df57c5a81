import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class TorchRNGStateHook(Hook):
    """Save the main process's random generators in checkpoints, restore them on resume.

    mmengine re-seeds on resume but does not restore generator states, so any
    randomness drawn in the main process (M-MAE's random masking, dropout,
    drop-path from torch's generators; transforms that run in the main process with
    ``num_workers=0`` from python's and numpy's) continues from the seed instead of
    from where the interrupted run stopped. This hook saves torch's (CPU and CUDA),
    numpy's and python's global generator states and restores them when resuming.
    The data workers' generators are not carried: ``ResumableEpochBasedTrainLoop``
    makes every sample's augmentation depend only on (seed, epoch, index) instead.
    mmengine's ``IterBasedTrainLoop`` replays the skipped batches on resume, which
    advances numpy's and python's generators by itself (the pipeline draws from them
    with ``num_workers=0``): there only torch's are restored.
    """

    priority = 'VERY_HIGH'
    KEY = 'torch_rng_state'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        numpy_state = np.random.get_state()
        state = dict(cpu=torch.get_rng_state(),
                     numpy=dict(keys=torch.from_numpy(numpy_state[1].astype(np.int64)),
                                position=int(numpy_state[2]),
                                has_gauss=int(numpy_state[3]),
                                cached_gaussian=float(numpy_state[4])),
                     python=_python_state_to_tensors(random.getstate()))
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[self.KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # load_from (fine-tuning) keeps the fresh seed; only resuming continues the stream
        if not runner._resume or self.KEY not in checkpoint:
            return
        state = checkpoint[self.KEY]
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
            cuda_states = state['cuda']
            if len(cuda_states) == torch.cuda.device_count():
                torch.cuda.set_rng_state_all(cuda_states)


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
