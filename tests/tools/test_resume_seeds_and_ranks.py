"""Exact resume where the seed is not configured and where several ranks draw their own
random numbers.

* ``randomness.seed=None`` (the ImageNet recipes): the killed run drew a seed at start-up
  and recorded it in its checkpoints; the resumed run draws another one, then must adopt the
  recorded seed for the data order, the per-sample augmentation seeds and the generators.
* two gloo processes with ``diff_rank_seed=True`` (the M-MAE ImageNet recipes): each rank
  draws its own MAE masks from its own generators, which the checkpoint must hold per rank:
  ``tools/test_preemption.py::test_two_ranks_with_their_own_seeds_killed_mid_epoch_resume_exactly``
  (it shares that module's uninterrupted 2-process run). The launcher helpers live here.
In both, SIGKILL mid-epoch and ``--resume`` end with the weights, BatchNorm statistics,
optimiser state and lr of the uninterrupted run (1e-6).
"""
import os
import signal
import socket

import pytest
import torch

import mssl_plugin  # noqa: F401
from tests.helpers import TINY_CONFIG, assert_same_training_state
from tests.tools.epoch_runs import ENV, MAX_ITERS, epoch_run_config, final_state, run_to_end
from tests.tools.test_exact_resume import checkpoint_iter, kill_when

pytestmark = pytest.mark.slow


def test_unseeded_run_killed_mid_epoch_resumes_with_its_recorded_seed(demo_data, tmp_path):
    config = epoch_run_config(tmp_path, TINY_CONFIG, demo_data, randomness='dict(seed=None)')
    work_dir = tmp_path / 'killed'
    kill_when(config, work_dir, lambda p: checkpoint_iter(p) >= 3, resume=False)
    killed_at = checkpoint_iter(work_dir)
    assert 0 < killed_at < MAX_ITERS and killed_at % (MAX_ITERS // 2), killed_at
    recorded = torch.load(work_dir / f'iter_{killed_at}.pth', map_location='cpu')['meta']['seed']
    output = run_to_end(config, work_dir, '--resume')
    assert f'iter: {killed_at}' in output
    run_to_end(config, tmp_path / 'straight', '--cfg-options', f'randomness.seed={recorded}')
    resumed, straight = final_state(work_dir), final_state(tmp_path / 'straight')
    assert resumed['meta']['seed'] == straight['meta']['seed'] == recorded
    assert resumed['meta']['iter'] == straight['meta']['iter'] == MAX_ITERS
    assert_same_training_state(resumed, straight)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def kill_job(process, marker):
    """SIGKILL a launcher and every process of its job: torchrun starts its workers in
    sessions of their own, so killing the launcher's group alone leaves them training."""
    os.killpg(process.pid, signal.SIGKILL)
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if marker.encode() in f.read():
                    os.kill(int(pid), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    process.wait(timeout=60)


def dist_cmd(config, work_dir, *extra):
    # 96 images over 2 ranks x 16: 3 iterations per epoch, 6 in all; no data workers
    # (2 training processes already share the 2 cores)
    return ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(work_dir), *extra,
            '--cfg-options', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False']


def dist_env():
    return dict(ENV, PORT=str(free_port()), OMP_NUM_THREADS='1')
