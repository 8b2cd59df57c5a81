from .atomic_checkpoint_hook import AtomicCheckpointHook
from .matrix_info_hook import MatrixInfoHook
from .non_finite_guard_hook import NonFiniteGuardHook
from .preemption_hook import PreemptionHook, TrainingPreempted
from .skipped_images_hook import SkippedImagesHook
from .torch_rng_state_hook import TorchRNGStateHook

__all__ = ['AtomicCheckpointHook', 'MatrixInfoHook', 'NonFiniteGuardHook', 'PreemptionHook',
           'SkippedImagesHook', 'TorchRNGStateHook', 'TrainingPreempted']
