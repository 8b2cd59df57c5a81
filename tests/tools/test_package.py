"""The plugin as a package: a wheel (not editable) with its configs, inherited through
``mssl_plugin::`` from a user's own directory and trained with the installed launcher."""
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest
import torch
from mmengine.config import Config

import mssl_plugin  # noqa: F401
from tests.helpers import REPO, make_demo_data
from tests.shipped_configs.layouts import write_imagenet

USER_CONFIG = """
_base_ = 'mssl_plugin::matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py'
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={data_root!r}))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2, by_epoch=False))
log_processor = dict(by_epoch=False)
custom_hooks = []
"""


def test_package_configs_resolve_in_the_checkout():
    cfg = Config.fromfile(os.path.join(REPO, 'configs/examples/mssl-plugin-inheritance.py'))
    assert cfg.model.type == 'MatrixSSL'
    assert cfg.model.backbone.depth == 50
    assert cfg.optim_wrapper.optimizer.lr == 2.0


@pytest.mark.slow
def test_wheel_install_inherit_and_train(tmp_path):
    wheels = tmp_path / 'wheels'
    build = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(wheels), REPO], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob('mssl_plugin-*.whl'))
    names = zipfile.ZipFile(wheel).namelist()
    assert 'mssl_plugin/.mim/model-index.yml' in names
    assert ('mssl_plugin/.mim/configs/matrix_ssl/'
            'matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py') in names

    # a fresh venv that sees the stack (this venv's site-packages, added as a plain path,
    # so the checkout's editable install is NOT active there) and gets the wheel
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    site = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()'
                           '["purelib"])'], capture_output=True, text=True, check=True)
    site_dir = site.stdout.strip()
    with open(os.path.join(site_dir, 'stack.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    install = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index', '-q',
         '--target', site_dir, str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr

    user_dir = tmp_path / 'my_project'
    user_dir.mkdir()
    data = make_demo_data(tmp_path / 'demo_digits')
    (user_dir / 'my_config.py').write_text(USER_CONFIG.format(data_root=str(data)))
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    # where the interpreter finds the package, without importing the stack (9 s)
    where = subprocess.run([str(python), '-c', 'import importlib.util; '
                            'print(importlib.util.find_spec("mssl_plugin").origin)'],
                           cwd=user_dir, capture_output=True, text=True, env=env)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(site_dir), where.stdout  # the wheel, not the checkout
    train = subprocess.run(
        [str(python), '-m', 'mssl_plugin.cli.train', 'my_config.py', '--work-dir', 'work'],
        cwd=user_dir, capture_output=True, text=True, env=env, timeout=600)
    assert train.returncode == 0, train.stdout[-3000:] + train.stderr[-3000:]
    assert (user_dir / 'work' / 'iter_2.pth').is_file()
    # the README's own example (the published ImageNet recipe inherited, gamma halved)
    # trains from the wheel on ImageNet's layout in the user's folder, as documented
    shutil.copy(os.path.join(REPO, 'configs/examples/mssl-plugin-inheritance.py'),
                user_dir / 'recipe.py')
    write_imagenet(str(user_dir / 'data' / 'imagenet'))
    train = subprocess.run(
        [str(python), '-m', 'mssl_plugin.cli.train', 'recipe.py', '--work-dir', 'recipe',
         '--cfg-options', 'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False', 'train_dataloader.dataset.indices=2',
         'train_cfg.max_epochs=1'],
        cwd=user_dir, capture_output=True, text=True, env=env, timeout=600)
    assert train.returncode == 0, train.stdout[-3000:] + train.stderr[-3000:]
    checkpoint = torch.load(user_dir / 'recipe' / 'epoch_1.pth', map_location='cpu')
    assert checkpoint['meta']['iter'] == 1
    assert "gamma=0.5" in checkpoint['meta']['cfg'].replace(' ', '')
