"""Workarounds for the pinned OpenMMLab stack, applied on import.

One module per upstream problem; each module docstring names the upstream version it
works around and when it can be deleted.
"""
from .mmcv_numpy2 import adjust_hue, patch_mmcv_adjust_hue
from .mmengine_package_configs import drop_collate_fn_scopes, register_package_configs
from .mmengine_strict_pretrained import register_strict_pretrained

__all__ = ['adjust_hue', 'drop_collate_fn_scopes', 'patch_mmcv_adjust_hue',
           'register_package_configs', 'register_strict_pretrained']
