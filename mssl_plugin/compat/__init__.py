"""Workarounds for the pinned OpenMMLab stack, applied on import.

One module per upstream problem; each module docstring names the upstream version it
works around and when it can be deleted.
"""
from .mmcv_numpy2 import adjust_hue, patch_mmcv_adjust_hue
from .mmengine_checkpoint_loader import register_checkpoint_loader
from .mmengine_cpu_distributed import prepare_cpu_distributed
from .mmengine_package_configs import register_package_configs
from .mmengine_strict_pretrained import register_strict_pretrained
from .mmpretrain_mnist_split import patch_mmpretrain_mnist_split
from .torch_gloo_teardown import end_distributed_process
from .torch_weights_only_checkpoints import allow_mmengine_checkpoint_types

__all__ = ['adjust_hue', 'allow_mmengine_checkpoint_types', 'end_distributed_process',
           'patch_mmcv_adjust_hue', 'patch_mmpretrain_mnist_split', 'prepare_cpu_distributed',
           'register_checkpoint_loader', 'register_package_configs',
           'register_strict_pretrained']
