from .checkpoint_files import CheckpointFileError, load_checkpoint_file
from .hooks import (AtomicCheckpointHook, MatrixInfoHook, NonFiniteGuardHook, PreemptionHook,
                    TorchRNGStateHook, TrainingPreempted)
from .strict_pretrained_init import MsslPretrainedInit, StrictPretrainedInit, state_dict_of
from .runner import ResumableEpochBasedTrainLoop

__all__ = [
    'AtomicCheckpointHook', 'CheckpointFileError',
    'load_checkpoint_file', 'MatrixInfoHook', 'MsslPretrainedInit',
    'NonFiniteGuardHook', 'PreemptionHook', 'ResumableEpochBasedTrainLoop',
    'StrictPretrainedInit', 'state_dict_of', 'TorchRNGStateHook', 'TrainingPreempted'
]
