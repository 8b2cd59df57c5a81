"""Build hook: ship the repository's ``configs/`` inside the package (OpenMMLab's mim
layout, ``mssl_plugin/.mim/configs``), so ``_base_ = 'mssl_plugin::...'`` works from a
wheel. In the checkout ``mssl_plugin/.mim/configs`` is a symbolic link to ``configs/``
(one copy; editable installs read it); a wheel gets a real copy. Everything else is
in setup.cfg.
"""
import os
import os.path as osp
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))


class BuildPyWithConfigs(build_py):
    """``build_py`` that also copies configs/ and the model index into ``.mim``."""

    def run(self):
        super().run()
        mim = osp.join(self.build_lib, 'mssl_plugin', '.mim')
        target = osp.join(mim, 'configs')
        if osp.islink(target):
            os.unlink(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        shutil.copytree(osp.join(HERE, 'configs'), target,
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        os.makedirs(mim, exist_ok=True)
        shutil.copy2(osp.join(HERE, 'mssl_plugin', '.mim', 'model-index.yml'), mim)


setup(cmdclass={'build_py': BuildPyWithConfigs})
