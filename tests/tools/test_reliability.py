"""Kill-and-resume equals an uninterrupted run; a dead rank ends the job; NaN never checkpointed."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch

import mssl_plugin  # noqa: F401
from tests import warm_python
from tests.helpers import TINY_CONFIG, REPO, assert_same_training_state

pytestmark = pytest.mark.slow
MMAE_CONFIG = os.path.join(REPO, 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py')
MAX_ITERS = 8


def short_run_config(tmp_path, base, data_root, max_iters=MAX_ITERS, checkpoint_interval=1):
    """An iteration-based variant of ``base`` written as a config that inherits it."""
    path = tmp_path / f'short_{os.path.basename(base)}'
    path.write_text(f"""_base_ = {base!r}
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(data_root={str(data_root)!r}, indices=96))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters={max_iters})
param_scheduler = [dict(type='CosineAnnealingLR', T_max={max_iters}, by_epoch=False, begin=0,
                        end={max_iters}, eta_min=0.0)]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval={checkpoint_interval}, by_epoch=False),
    logger=dict(type='LoggerHook', interval=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=3)
""")
    return str(path)


def train_cmd(config, work_dir, *extra):
    return [sys.executable, 'tools/train.py', config, '--work-dir', str(work_dir), *extra]


def last_checkpoint_iter(work_dir):
    path = work_dir / 'last_checkpoint'
    if not path.exists():
        return 0
    name = os.path.basename(path.read_text().strip())
    return int(name.split('_')[1].split('.')[0]) if name.startswith('iter_') else 0


def assert_same_state(a, b):
    first, second = torch.load(a, map_location='cpu'), torch.load(b, map_location='cpu')
    assert first['meta']['iter'] == second['meta']['iter'] == MAX_ITERS
    assert_same_training_state(first, second)
    return first


@pytest.mark.parametrize('config', [TINY_CONFIG, MMAE_CONFIG], ids=['matrix-ssl', 'm-mae'])
def test_sigkill_then_resume_equals_uninterrupted(config, demo_data, tmp_path):
    env = dict(os.environ)
    config = short_run_config(tmp_path, config, demo_data)
    straight = warm_python.run(train_cmd(config, tmp_path / 'straight'), env=env)
    assert straight.returncode == 0, straight.stderr[-3000:]

    killed_dir = tmp_path / 'killed'
    process = warm_python.popen(train_cmd(config, killed_dir), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while last_checkpoint_iter(killed_dir) < 3 and time.time() < deadline:
        assert process.poll() is None, 'training ended before it could be killed'
        time.sleep(0.02)
    assert process.poll() is None, 'training ended before it could be killed'
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    killed_at = last_checkpoint_iter(killed_dir)
    assert 3 <= killed_at < MAX_ITERS

    resumed = warm_python.run(train_cmd(config, killed_dir, '--resume'), env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'resumed epoch: 0, iter: {killed_at}' in resumed.stdout + resumed.stderr
    state = assert_same_state(killed_dir / f'iter_{MAX_ITERS}.pth',
                              tmp_path / 'straight' / f'iter_{MAX_ITERS}.pth')
    if 'matrix-ssl' in config:
        # the EMA target and its update count resumed too (momentum schedule position)
        assert int(state['state_dict']['target_net.steps']) == MAX_ITERS


def test_dead_rank_ends_the_job_quickly(demo_data, tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PORT=str(port), OMP_NUM_THREADS='1')
    config = short_run_config(tmp_path, TINY_CONFIG, demo_data, max_iters=10_000,
                              checkpoint_interval=5)
    cmd = ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(tmp_path / 'w'),
           '--cfg-options', 'env_cfg.dist_cfg.timeout=30']
    launcher = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 300
        while last_checkpoint_iter(tmp_path / 'w') < 5 and time.time() < deadline:
            assert launcher.poll() is None, launcher.stderr.read()[-3000:]
            time.sleep(0.2)
        # dist_train.sh execs torchrun, whose children are the two ranks
        workers = subprocess.run(['pgrep', '-P', str(launcher.pid)],
                                 capture_output=True, text=True).stdout.split()
        assert len(workers) == 2, workers
        os.kill(int(max(workers, key=int)), signal.SIGKILL)
        killed_at = time.time()
        code = launcher.wait(timeout=120)
        elapsed = time.time() - killed_at
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    assert code != 0
    assert elapsed < 60, f'the surviving rank took {elapsed:.0f} s to stop'
    time.sleep(1)
    leftovers = subprocess.run(['pgrep', '-f', f'tools/train.py {config}'],
                               capture_output=True, text=True).stdout.split()
    assert leftovers == []


def test_non_finite_weights_are_never_checkpointed(demo_data, tmp_path):
    # lr 1e20: the first step makes the weights huge/inf while the first loss was finite
    config = short_run_config(tmp_path, TINY_CONFIG, demo_data)
    result = warm_python.run(
        train_cmd(config, tmp_path / 'w', '--cfg-options', 'optim_wrapper.optimizer.lr=1e38'))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'FloatingPointError' in output
    assert ('refusing to write them as the latest checkpoint' in output
            or 'non-finite value(s) at iteration' in output)
    for name in os.listdir(tmp_path / 'w'):
        if name.endswith('.pth'):
            state = torch.load(tmp_path / 'w' / name, map_location='cpu')['state_dict']
            assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
