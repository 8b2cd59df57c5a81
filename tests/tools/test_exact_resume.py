"""Exact resume with the shipped epoch-based loop, persistent workers and atomic saves.

SIGKILL at random moments (and inside a checkpoint write), resumed each time with
``--resume``: the final weights, BatchNorm statistics, optimiser state, lr and EMA
step equal an uninterrupted run's, the iteration count ends at the schedule's end,
and ``max_keep_ckpts=1`` never loses the run.
"""
import os
import random
import signal
import subprocess
import time

import pytest
import torch

import mssl_plugin  # noqa: F401
from tests import warm_python
from tests.helpers import TINY_CONFIG, assert_same_training_state
from tests.tools.epoch_runs import (ENV, EPOCHS, ITERS_PER_EPOCH, MAX_ITERS, MMAE_CONFIG,
                                    epoch_run_config, final_state, run_to_end, train_cmd)

pytestmark = pytest.mark.slow


def checkpoint_iter(work_dir):
    """Iteration of the checkpoint ``last_checkpoint`` names (0 before the first)."""
    path = work_dir / 'last_checkpoint'
    if not path.exists() or not path.read_text().strip():
        return 0
    name = os.path.basename(path.read_text().strip())
    number = int(name.split('_')[1].split('.')[0])
    return number * ITERS_PER_EPOCH if name.startswith('epoch_') else number


def kill_when(config, work_dir, ready, resume):
    """Start a (resumed) run and SIGKILL it as soon as ``ready(work_dir)`` holds."""
    extra = ('--resume', ) if resume else ()
    process = warm_python.popen(train_cmd(config, work_dir, *extra), env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    deadline = time.time() + 300
    try:
        while not ready(work_dir):
            assert process.poll() is None, 'training ended before it could be killed'
            assert time.time() < deadline, 'no checkpoint appeared in 300 s'
            time.sleep(0.0005)  # a 2.4 MB checkpoint is written in about 2 ms
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the run and its data workers
        process.wait(timeout=60)


def assert_same_final_state(resumed_dir, straight_dir):
    first, second = final_state(resumed_dir), final_state(straight_dir)
    assert first['meta']['iter'] == second['meta']['iter'] == MAX_ITERS
    assert first['meta']['epoch'] == second['meta']['epoch']
    assert_same_training_state(first, second)
    return first


def logged_iterations(work_dir):
    """Every ``Epoch(train) [e][i/n]`` iteration the logs of all attempts printed."""
    import re
    seen = []
    for root, _, files in os.walk(work_dir):
        for name in files:
            if name.endswith('.log'):
                with open(os.path.join(root, name)) as f:
                    seen += [(int(e), int(i)) for e, i in
                             re.findall(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/', f.read())]
    return seen


def test_matrix_ssl_killed_repeatedly_mid_epoch_and_in_writes_resumes_exactly(
        demo_data, tmp_path):
    config = epoch_run_config(tmp_path, TINY_CONFIG, demo_data, max_keep_ckpts=1)
    run_to_end(config, tmp_path / 'straight')
    work_dir = tmp_path / 'killed'
    rng = random.Random(0)
    partial = ['']

    def inside_a_write(path):
        names = os.listdir(path) if path.exists() else []
        found = [n for n in names if n.endswith('.partial') and n.startswith('.iter_')]
        if found and checkpoint_iter(path) >= 1:
            partial[0] = found[0]
            return True
        return False

    # 1: inside a checkpoint write (max_keep_ckpts=1: the previous file is the only one)
    kill_when(config, work_dir, inside_a_write, resume=False)
    assert partial[0], 'the kill did not land inside a write'
    kills = [checkpoint_iter(work_dir)]
    # 2-4: at random iterations, each attempt resumed from the last one's checkpoint
    for _ in range(3):
        target = min(MAX_ITERS - 1, checkpoint_iter(work_dir) + rng.randint(1, 3))
        if target <= checkpoint_iter(work_dir):
            break
        kill_when(config, work_dir, lambda p, t=target: checkpoint_iter(p) >= t, resume=True)
        kills.append(checkpoint_iter(work_dir))
    assert any(k % ITERS_PER_EPOCH for k in kills), f'no mid-epoch kill: {kills}'
    output = run_to_end(config, work_dir, '--resume')
    assert f'iter: {kills[-1]}' in output
    state = assert_same_final_state(work_dir, tmp_path / 'straight')
    # the EMA target and its update count resumed too (momentum schedule position)
    assert int(state['state_dict']['target_net.steps']) == MAX_ITERS
    iterations = logged_iterations(work_dir)
    assert iterations and max(i for _, i in iterations) <= ITERS_PER_EPOCH
    assert max(e for e, _ in iterations) <= EPOCHS
    # max_keep_ckpts=1 held: no partial file left, the last checkpoint complete; a kill
    # between a rename and the deletion of the file it replaced may leave that one file
    left = sorted(n for n in os.listdir(work_dir) if 'pth' in n)
    assert not [n for n in left if n.endswith('.partial')], left
    assert f'iter_{MAX_ITERS}.pth' in left and len(left) <= 1 + len(kills), left


def test_mmae_killed_after_an_epoch_checkpoint_resumes_exactly(demo_data, tmp_path):
    config = epoch_run_config(tmp_path, MMAE_CONFIG, demo_data, by_epoch=True,
                              max_keep_ckpts=2)
    run_to_end(config, tmp_path / 'straight')
    work_dir = tmp_path / 'killed'
    kill_when(config, work_dir, lambda p: checkpoint_iter(p) >= ITERS_PER_EPOCH, resume=False)
    assert checkpoint_iter(work_dir) == ITERS_PER_EPOCH
    output = run_to_end(config, work_dir, '--resume')
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in output
    assert_same_final_state(work_dir, tmp_path / 'straight')


def test_resume_refuses_another_epoch_length_or_model(demo_data, tmp_path):
    config = epoch_run_config(tmp_path, TINY_CONFIG, demo_data, max_keep_ckpts=-1)
    work_dir = tmp_path / 'w'
    kill_when(config, work_dir, lambda p: checkpoint_iter(p) >= 3, resume=False)
    checkpoint = str(work_dir / 'iter_3.pth')
    weights_only = tmp_path / 'weights.pth'
    torch.save(dict(state_dict=torch.load(checkpoint, map_location='cpu')['state_dict']),
               weights_only)
    truncated = tmp_path / 'iter_4.pth'
    truncated.write_bytes(open(checkpoint, 'rb').read()[:1000])
    for resume_from, options, expected in (
            (checkpoint, ['train_dataloader.batch_size=8'], 'iterations per epoch'),
            (checkpoint, ['model.neck.hid_channels=48'], 'does not fit this model'),
            (str(weights_only), [], 'holds weights but no training state'),
            (str(truncated), [], 'is truncated or damaged')):
        result = warm_python.run(
            train_cmd(config, tmp_path / 'other', '--resume', resume_from,
                      '--cfg-options', 'randomness.seed=3', *options), env=ENV)
        assert result.returncode == 1, result.stderr[-2000:]
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith('error: cannot resume') and expected in last, last
        assert resume_from in last and 'Traceback' not in result.stderr
        if expected != 'iterations per epoch':  # refused before "resumed" is logged
            assert 'resumed epoch' not in result.stdout + result.stderr
