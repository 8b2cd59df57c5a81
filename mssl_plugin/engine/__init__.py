from .checkpoint_files import CheckpointFileError, load_checkpoint_file
from .hooks import AtomicCheckpointHook, MatrixInfoHook, NonFiniteGuardHook, TorchRNGStateHook
from .strict_pretrained_init import MsslPretrainedInit, StrictPretrainedInit, state_dict_of
from .runner import ResumableEpochBasedTrainLoop

__all__ = [
    'AtomicCheckpointHook', 'CheckpointFileError',
    'load_checkpoint_file', 'MatrixInfoHook', 'MsslPretrainedInit',
    'NonFiniteGuardHook', 'ResumableEpochBasedTrainLoop', 'StrictPretrainedInit',
    'state_dict_of', 'TorchRNGStateHook'
]
