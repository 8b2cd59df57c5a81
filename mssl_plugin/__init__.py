"""mssl_plugin: Matrix-SSL and M-MAE for the OpenMMLab stack.

Importing the package (``custom_imports = dict(imports=['mssl_plugin'])``)
registers every component in mmpretrain's registries, lets mmengine
checkpoints load with torch's safe unpickler, reads every local checkpoint through the
plugin's one reader (one line for a bad file), fixes mmcv 2.1.0's
``adjust_hue`` under numpy 2, makes mmpretrain 1.2.0's ``FashionMNIST(split='test')``
read the test files and lets configs inherit the packaged ones with
``_base_ = 'mssl_plugin::...'`` (``mssl_plugin.compat``, ``mssl_plugin.registry``).
"""
from .compat import (allow_mmengine_checkpoint_types, patch_mmcv_adjust_hue,
                     patch_mmpretrain_mnist_split, register_checkpoint_loader,
                     register_package_configs, register_strict_pretrained)
from .version import __version__

allow_mmengine_checkpoint_types()
patch_mmcv_adjust_hue()
patch_mmpretrain_mnist_split()
register_strict_pretrained()
register_checkpoint_loader()
register_package_configs()

from . import datasets, engine, evaluation, models, registry  # noqa: E402,F401

__all__ = ['__version__', 'engine', 'models']
