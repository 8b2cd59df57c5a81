from .checkpoint_safety import allow_mmengine_checkpoint_types
from .cpu_distributed import prepare_cpu_distributed
from .checkpoint_files import CheckpointFileError, load_checkpoint_file
from .hooks import AtomicCheckpointHook, MatrixInfoHook, NonFiniteGuardHook, TorchRNGStateHook
from .strict_pretrained_init import MsslPretrainedInit, StrictPretrainedInit, state_dict_of
from .runner import ResumableEpochBasedTrainLoop

__all__ = [
    'allow_mmengine_checkpoint_types', 'AtomicCheckpointHook', 'CheckpointFileError',
    'load_checkpoint_file', 'MatrixInfoHook', 'MsslPretrainedInit',
    'NonFiniteGuardHook', 'ResumableEpochBasedTrainLoop', 'StrictPretrainedInit',
    'state_dict_of', 'TorchRNGStateHook',
    'prepare_cpu_distributed'
]
