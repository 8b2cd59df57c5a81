"""``_base_ = 'mssl_plugin::path/to/config.py'`` for mmengine 0.10.7.

mmengine resolves ``package::`` bases only for packages listed in
``mmengine.config.utils.MODULE2PACKAGE`` and finds their ``.mim/configs`` with
``get_installed_path``, which derives the folder from the distribution's location:
right for a wheel, wrong for an editable (PEP 660) install, whose distribution lives
in site-packages while the code stays in the checkout. This adds the plugin to the
mapping and answers ``get_installed_path('mssl-plugin')`` with the imported
package's own folder (the same folder for a wheel).

mmengine also gives every dict with a ``type`` in such a base a ``_scope_`` key, and its
Runner passes a dataloader's ``collate_fn`` keys to the function as keyword arguments
(``default_collate() got an unexpected keyword argument '_scope_'``): importing the plugin
makes ``Runner.build_dataloader`` drop that key (:func:`register_package_configs`), so
every entry point that builds a Runner after the plugin is imported (the plugin's
launchers, mmpretrain's and mmdet's ``tools/train.py`` through ``custom_imports``, a
user's own script) trains such configs.

Applies to: mmengine 0.10.x (checked on 0.10.7). Delete when mmengine lets a
third-party package register its config root (or resolves editable installs).
"""
import copy
import os.path as osp

DISTRIBUTION = 'mssl-plugin'
MODULE = 'mssl_plugin'


def package_root() -> str:
    """The folder of the imported ``mssl_plugin`` package (holds ``.mim/configs``)."""
    return osp.dirname(osp.dirname(osp.abspath(__file__)))


def register_package_configs() -> None:
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    from mmengine.runner import Runner
    config_utils.MODULE2PACKAGE.setdefault(MODULE, DISTRIBUTION)
    Runner.build_dataloader = staticmethod(_drop_collate_fn_scope(Runner.build_dataloader))
    original = config_module.get_installed_path
    if getattr(original, '_mssl_plugin', False):
        return

    def get_installed_path(package: str) -> str:
        if package in (DISTRIBUTION, MODULE):
            return package_root()
        return original(package)

    get_installed_path._mssl_plugin = True
    config_module.get_installed_path = get_installed_path


def _drop_collate_fn_scope(build_dataloader):
    """Wrap ``Runner.build_dataloader`` to remove ``_scope_`` from ``collate_fn``."""
    if getattr(build_dataloader, '_mssl_plugin', False):
        return build_dataloader

    def build(dataloader, seed=None, diff_rank_seed=False):
        collate = dataloader.get('collate_fn') if isinstance(dataloader, dict) else None
        if isinstance(collate, dict) and '_scope_' in collate:
            dataloader = copy.copy(dataloader)
            dataloader['collate_fn'] = {k: v for k, v in collate.items() if k != '_scope_'}
        return build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    build._mssl_plugin = True
    return build
