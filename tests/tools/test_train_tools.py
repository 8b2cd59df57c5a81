"""tools/train.py and tools/dist_train.sh end to end on CPU (gloo), with resume."""
import socket

import pytest
import torch

import mssl_plugin  # noqa: F401  (safe-loading allow-list for mmengine checkpoints)
from tests.helpers import TINY_CONFIG, run_tool

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def small_run_options(data_root, epochs, samples, batch):
    return ['--cfg-options', f'train_cfg.max_epochs={epochs}',
            f'train_dataloader.dataset.data_root={data_root}',
            f'train_dataloader.dataset.indices={samples}', f'train_dataloader.batch_size={batch}',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']


def checkpoint_iter(path):
    return torch.load(path, map_location='cpu')['meta']['iter']


def test_dist_train_two_processes_then_resume(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    env = dict(PORT=str(free_port()), OMP_NUM_THREADS='1')
    # 2 processes x 32 images, 128 images: 2 iterations per epoch
    first = run_tool(['-c', 'import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))',
                      'bash', 'tools/dist_train.sh', TINY_CONFIG, '2', '--work-dir', str(work_dir)]
                     + small_run_options(demo_data, 1, 128, 32), env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert checkpoint_iter(work_dir / 'epoch_1.pth') == 2
    env['PORT'] = str(free_port())
    second = run_tool(['-c', 'import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))',
                       'bash', 'tools/dist_train.sh', TINY_CONFIG, '2', '--work-dir',
                       str(work_dir), '--resume'] + small_run_options(demo_data, 2, 128, 32),
                      env=env)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-3000:]
    assert 'resumed epoch: 1, iter: 2' in output
    assert checkpoint_iter(work_dir / 'epoch_2.pth') == 4
    # the first checkpoint is still there, untouched by the resumed run
    assert checkpoint_iter(work_dir / 'epoch_1.pth') == 2


def test_non_finite_loss_stops_training_with_iteration(demo_data, tmp_path):
    work_dir = tmp_path / 'nan'
    result = run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', str(work_dir)]
                      + small_run_options(demo_data, 1, 96, 32)
                      + ['optim_wrapper.optimizer.lr=1e30', 'param_scheduler=[]'])
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'FloatingPointError: Matrix-SSL:' in output
    assert 'non-finite value(s) at iteration 1' in output
    assert not (work_dir / 'epoch_1.pth').exists()


MMAE_CONFIG = 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py'
LINEAR_CONFIG = 'configs/m_mae/benchmarks/vit-tiny-p4_1xb64-linear-coslr-10e_digits.py'


def test_mmae_trains_and_its_checkpoint_loads_into_the_linear_classifier(demo_data, tmp_path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

    from mmpretrain.registry import MODELS
    work_dir = tmp_path / 'mmae'
    result = run_tool(['tools/train.py', MMAE_CONFIG, '--work-dir', str(work_dir)]
                      + small_run_options(demo_data, 1, 192, 64))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert 'loss_uniformity' in output and 'probe_accuracy_top1' in output
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint_iter(checkpoint) == 3

    init_default_scope('mmpretrain')
    cfg = Config.fromfile(LINEAR_CONFIG)
    cfg.model.backbone.init_cfg.checkpoint = str(checkpoint)
    classifier = MODELS.build(cfg.model)
    classifier.init_weights()
    backbone_state = _load_checkpoint_with_prefix('backbone.', str(checkpoint), map_location='cpu')
    expected_keys = set(classifier.backbone.state_dict())
    assert expected_keys - set(backbone_state) == set(), 'backbone keys missing from checkpoint'
    for key, value in classifier.backbone.state_dict().items():
        torch.testing.assert_close(value, backbone_state[key], msg=key)
