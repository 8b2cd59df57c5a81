"""Preemption-proof training with the shipped launcher: a signal stops every rank at the
same iteration with a checkpoint of it and exit code 0, and a lost worker restarts the job,
which resumes by itself; either way the run ends with the uninterrupted run's weights.

Two gloo processes (``tools/dist_train.sh CONFIG 2``), the shipped M-MAE digits config
(each rank draws its own masks: ``diff_rank_seed=True``), 4 epochs of 3 iterations.
"""
import os
import re
import signal
import subprocess
import time

import pytest
import torch

from tests.helpers import REPO, assert_same_training_state
from tests.tools.epoch_runs import MMAE_CONFIG, epoch_run_config, final_state
from tests.tools.test_exact_resume import checkpoint_iter
from tests.tools.test_resume_seeds_and_ranks import dist_cmd, dist_env, kill_job

pytestmark = pytest.mark.slow
ITERS = 12
LONGER = ['train_cfg.max_epochs=4']
NO_PERIODIC = ['default_hooks.checkpoint.interval=1000']  # only the signal saves


def with_options(cmd, options):
    return cmd + list(options)  # dist_cmd ends with --cfg-options ...


def worker_pids(marker):
    """The training processes of a job (not torchrun's agent, which also names the run)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmdline = f.read()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if marker.encode() in cmdline and b'tools/train.py' in cmdline and \
                b'torch.distributed.run' not in cmdline:
            pids.append(int(pid))
    return pids


def logged(work_dir):
    return ''.join(path.read_text() for path in work_dir.glob('*/*.log'))


def start(cmd, log):
    return subprocess.Popen(cmd, cwd=REPO, env=dist_env(), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(condition, process, what, seconds=300):
    deadline = time.time() + seconds
    while not condition():
        assert process.poll() is None, f'the job ended before {what}'
        assert time.time() < deadline, f'no {what} in {seconds} s'
        time.sleep(0.01)


@pytest.fixture(scope='module')
def runs(demo_data, tmp_path_factory):
    """The config and the uninterrupted 2-process run every case is compared with."""
    tmp_path = tmp_path_factory.mktemp('preemption')
    config = epoch_run_config(tmp_path, MMAE_CONFIG, demo_data,
                              randomness='dict(seed=5, diff_rank_seed=True)')
    straight = tmp_path / 'straight'
    result = subprocess.run(with_options(dist_cmd(config, straight), LONGER), cwd=REPO,
                            env=dist_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert final_state(straight)['meta']['iter'] == ITERS
    return config, final_state(straight)


def stopped_by_signal(config, work_dir, log_path, signals_to):
    """Start the job, send the signal(s) once iteration 2 is logged; the finished job."""
    with open(log_path, 'w') as log:
        process = start(with_options(dist_cmd(config, work_dir), LONGER + NO_PERIODIC), log)
        try:
            wait_for(lambda: 'Epoch(train) [1][2/3]' in logged(work_dir), process,
                     'second iteration')
            signals_to(worker_pids(str(work_dir)))
            process.wait(timeout=300)
        finally:
            if process.poll() is None:
                kill_job(process, str(work_dir))
    return process.returncode, open(log_path).read()


def test_sigterm_saves_every_rank_together_and_resume_is_exact(runs, tmp_path):
    config, straight = runs
    work_dir = tmp_path / 'stopped'

    def sigterm_to_all(pids):
        assert len(pids) == 2, pids
        for pid in pids:
            os.kill(pid, signal.SIGTERM)

    code, output = stopped_by_signal(config, work_dir, tmp_path / 'out.log', sigterm_to_all)
    assert code == 0, output[-3000:]  # a clean stop for the scheduler
    lines = [line for line in logged(work_dir).splitlines() if 'stopped by SIGTERM' in line]
    assert len(lines) == 1, lines  # rank 0 logs it once
    stopped_at = int(lines[0].split('at iteration ')[1].split(':')[0])
    assert 2 <= stopped_at < ITERS and 'continue with --resume' in lines[0]
    assert (work_dir / 'last_checkpoint').read_text().endswith(f'iter_{stopped_at}.pth')
    assert [p.name for p in work_dir.glob('*.pth')] == [f'iter_{stopped_at}.pth']

    resumed = subprocess.run(with_options(dist_cmd(config, work_dir, '--resume'),
                                          LONGER + NO_PERIODIC),
                             cwd=REPO, env=dist_env(), capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'iter: {stopped_at}' in logged(work_dir)
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)


def test_a_killed_worker_restarts_the_job_which_resumes_mid_epoch_by_itself(runs, tmp_path):
    """SIGKILL of one worker mid-epoch under ``MAX_RESTARTS=2``: torchrun restarts the job,
    which resumes by itself from the mid-epoch checkpoint with each rank's own generators
    (``diff_rank_seed``: every rank's states are in the checkpoint) and ends with the
    uninterrupted run's weights."""
    config, straight = runs
    work_dir = tmp_path / 'restarted'
    # the surviving rank waits in a collective with the dead one until torchrun kills it
    # (TORCH_ELASTIC_SHUTDOWN_TIMEOUT, 30 s by default, after its SIGTERM): 5 s here
    env = dict(dist_env(), MAX_RESTARTS='2', TORCH_ELASTIC_SHUTDOWN_TIMEOUT='5')
    with open(tmp_path / 'out.log', 'w') as log:
        process = subprocess.Popen(with_options(dist_cmd(config, work_dir), LONGER), cwd=REPO,
                                   env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            # iteration 4: the first of the second epoch's 3
            wait_for(lambda: checkpoint_iter(work_dir) >= 4, process, 'checkpoint of iteration 4')
            os.kill(min(worker_pids(str(work_dir))), signal.SIGKILL)  # one rank dies
            process.wait(timeout=600)
        finally:
            if process.poll() is None:
                kill_job(process, str(work_dir))
    output = (tmp_path / 'out.log').read_text()
    assert process.returncode == 0, output[-3000:]
    assert 'torchrun restart 1: resuming' in output, output[-3000:]
    pattern = r'resumed epoch: \d+, iter: (\d+)'
    resumed_at = [int(i) for i in re.findall(pattern, logged(work_dir))]
    assert len(resumed_at) == 1 and resumed_at[0] % 3, f'not resumed mid-epoch: {resumed_at}'
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    states = final['torch_rng_state']['ranks']
    assert len(states) == 2 and not torch.equal(states[0]['cpu'], states[1]['cpu'])
    assert_same_training_state(final, straight)


def two_launchers(config, work_dir, log_dir, *extra, env):
    """Multi-node as users start it: ``NNODES=2 NODE_RANK=0/1 MASTER_ADDR=127.0.0.1``, one
    process per launcher, each launcher in a session of its own (as on two machines)."""
    launchers = []
    for node in (0, 1):
        cmd = with_options(dist_cmd(config, work_dir, *extra), LONGER)
        cmd[cmd.index('2')] = '1'  # GPUS: one process per launcher
        with open(log_dir / f'node{node}.log', 'a') as log:
            launchers.append(subprocess.Popen(
                cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env=dict(env, NNODES='2', NODE_RANK=str(node), MASTER_ADDR='127.0.0.1')))
    return launchers


def worker_of(launcher, work_dir):
    """The training process a launcher's torchrun started (``dist_train.sh`` execs it)."""
    for pid in worker_pids(str(work_dir)):
        with open(f'/proc/{pid}/stat') as f:
            if int(f.read().rsplit(')', 1)[1].split()[1]) == launcher.pid:
                return pid
    raise AssertionError(f'no worker of launcher {launcher.pid} in {worker_pids(str(work_dir))}')


def wait_for_all(launchers, work_dir, log_dir):
    """Each launcher's exit code and output once both ended (killed after 10 minutes)."""
    try:
        for launcher in launchers:
            launcher.wait(timeout=600)
    finally:
        for launcher in launchers:
            if launcher.poll() is None:
                kill_job(launcher, str(work_dir))
    return [(launcher.returncode, (log_dir / f'node{node}.log').read_text())
            for node, launcher in enumerate(launchers)]


def test_two_launchers_restart_a_lost_worker_stop_together_and_resume_exactly(runs, tmp_path):
    """Two launchers (``NNODES=2``) under ``MAX_RESTARTS=2``: SIGKILL of node 1's worker
    restarts both nodes' workers, which resume from the last checkpoint by themselves; a
    SIGUSR1 to one of them later (node 1's rank only) stops both at one iteration with
    exit 0; ``--resume`` on both launchers then ends with the weights of the one-launcher,
    2-process run (so two launchers train like one)."""
    config, straight = runs
    work_dir = tmp_path / 'two_nodes'
    env = dict(dist_env(), MAX_RESTARTS='2', TORCH_ELASTIC_SHUTDOWN_TIMEOUT='5')
    launchers = two_launchers(config, work_dir, tmp_path, env=env)
    try:
        wait_for(lambda: (work_dir / 'iter_3.pth').exists(), launchers[0], 'iter_3.pth')
        first = worker_pids(str(work_dir))
        assert len(first) == 2, first
        os.kill(worker_of(launchers[1], work_dir), signal.SIGKILL)  # node 1 loses its worker
        wait_for(lambda: 'resumed epoch' in logged(work_dir) and
                 len(set(worker_pids(str(work_dir))) - set(first)) == 2, launchers[0],
                 'both nodes\' workers restarted and resumed')
        resumed_at = checkpoint_iter(work_dir)
        wait_for(lambda: checkpoint_iter(work_dir) > resumed_at, launchers[0],
                 'an iteration after the restart')
        os.kill(worker_of(launchers[1], work_dir), signal.SIGUSR1)  # node 1's rank only
    finally:
        results = wait_for_all(launchers, work_dir, tmp_path)
    for node, (code, output) in enumerate(results):
        assert code == 0, f'node {node}: {output[-3000:]}'
        assert 'torchrun restart 1: resuming' in output, f'node {node}: {output[-3000:]}'
    lines = [line for line in logged(work_dir).splitlines() if 'stopped by SIGUSR1' in line]
    assert len(lines) == 1, logged(work_dir)[-3000:]  # rank 0 (node 0) logs it
    stopped_at = int(lines[0].split('at iteration ')[1].split(':')[0])
    assert stopped_at < ITERS and final_state(work_dir)['meta']['iter'] == stopped_at

    resumed = wait_for_all(two_launchers(config, work_dir, tmp_path, '--resume', env=env),
                           work_dir, tmp_path)
    for node, (code, output) in enumerate(resumed):
        assert code == 0, f'node {node}: {output[-3000:]}'
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)
