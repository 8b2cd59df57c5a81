"""A signal at any moment of a run is honoured at the next iteration boundary, or the run
finishes normally if its end comes first; data-loader workers that receive it do not save.

One process started warm (:mod:`tests.warm_python`) in a session of its own, the digits
linear probe with validation after each epoch, two persistent data workers and no periodic
checkpoint (``tests/configs/vit-tiny-p4-linear_2xb16-2e_digits_preemption.py``): 2 epochs
of 6 iterations. The run signals its own process group (:mod:`tests.signal_at_hook`), so
the SIGTERM arrives exactly during validation, during the epoch checkpoint's write, or in
the last iteration, and reaches the data workers too, as Slurm's reaches every process of
the job step.
"""
import os
import subprocess

import pytest

import mssl_plugin  # noqa: F401  (mmengine's checkpoint types load with weights_only)
from tests import warm_python
from tests.helpers import REPO, TINY_CONFIG, assert_same_training_state
from tests.tools.epoch_runs import epoch_run_config, final_state

pytestmark = pytest.mark.slow
CONFIG = os.path.join(REPO, 'tests/configs/vit-tiny-p4-linear_2xb16-2e_digits_preemption.py')
ITERS = 12


def train(work_dir, data, *options, resume=False, env=None, config=CONFIG):
    args = ['tools/train.py', config, '--work-dir', str(work_dir)]
    args += ['--resume'] if resume else []
    data_options = [f'train_dataloader.dataset.data_root={data}'] + (
        [f'val_dataloader.dataset.data_root={data}'] if config == CONFIG else [])
    args += ['--cfg-options', *data_options, *options]
    with open(work_dir.parent / f'{work_dir.name}.out', 'ab') as out:
        process = warm_python.popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        code = process.wait(timeout=600)
    return code, (work_dir.parent / f'{work_dir.name}.out').read_text()


def signal_at(moment, iteration=None):
    options = [f'custom_hooks.0.moment={moment}']
    return options + ([f'custom_hooks.0.iteration={iteration}'] if iteration is not None else [])


@pytest.fixture(scope='module')
def straight(demo_data, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('moments') / 'straight'
    code, output = train(work_dir, demo_data)
    assert code == 0, output[-3000:]
    return final_state(work_dir)


@pytest.mark.parametrize('moment, options', [
    ('before_val_epoch', []),
    # an epoch checkpoint after epoch 1, whose write the signal interrupts
    ('before_save_checkpoint', ['default_hooks.checkpoint.interval=1']),
], ids=['during-validation', 'during-a-checkpoint-write'])
def test_a_signal_between_iterations_stops_at_the_next_boundary(
        moment, options, straight, demo_data, tmp_path):
    work_dir = tmp_path / 'stopped'
    code, output = train(work_dir, demo_data, *signal_at(moment), *options)
    assert code == 0, output[-3000:]  # a clean stop for the scheduler
    lines = [line for line in output.splitlines() if 'stopped by SIGTERM' in line]
    assert len(lines) == 1, output[-3000:]  # the data workers received it too, and kept quiet
    # validation and the epoch-1 checkpoint come after iteration 6: the next boundary is 7
    assert 'at iteration 7: saved' in lines[0] and 'continue with --resume' in lines[0]
    assert (work_dir / 'last_checkpoint').read_text().endswith('iter_7.pth')
    if moment == 'before_save_checkpoint':
        assert (work_dir / 'epoch_1.pth').is_file()  # the interrupted write completed
    code, output = train(work_dir, demo_data, *options, resume=True)
    assert code == 0, output[-3000:]
    assert 'iter: 7' in output
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)


def test_a_signal_in_the_last_iteration_lets_the_run_finish(straight, demo_data, tmp_path):
    work_dir = tmp_path / 'last'
    code, output = train(work_dir, demo_data, *signal_at('before_train_iter', ITERS - 1))
    assert code == 0, output[-3000:]
    assert 'stopped by' not in output
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)


def test_under_slurm_the_stop_requeues_and_the_requeued_job_resumes_by_itself(
        straight, demo_data, tmp_path):
    """Slurm's side played by a stand-in (no Slurm on this machine): an ``scontrol`` first
    on PATH records its arguments; ``SLURM_JOB_ID`` / ``SLURM_RESTART_COUNT`` as Slurm sets
    them for a job and for its requeued run."""
    stand_in = tmp_path / 'bin'
    stand_in.mkdir()
    calls = tmp_path / 'scontrol.calls'
    scontrol = stand_in / 'scontrol'
    scontrol.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    scontrol.chmod(0o755)
    env = dict(os.environ, PATH=f'{stand_in}{os.pathsep}{os.environ["PATH"]}',
               SLURM_JOB_ID='4242')
    work_dir = tmp_path / 'slurm'
    code, output = train(work_dir, demo_data, *signal_at('before_val_epoch'),
                         'default_hooks.preemption.requeue=True', env=env)
    assert code == 0, output[-3000:]
    assert 'the job was requeued (it resumes by itself)' in output, output[-3000:]
    assert calls.read_text().split() == ['requeue', '4242']
    # the requeued job runs the same command again, without --resume
    code, output = train(work_dir, demo_data, env=dict(env, SLURM_RESTART_COUNT='1'))
    assert code == 0, output[-3000:]
    assert "Slurm requeue 1: resuming from the work dir's last checkpoint" in output
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)


SIGNAL_HOOK_AND_NO_PERIODIC_CHECKPOINT = """
custom_imports = dict(imports=['mssl_plugin', 'tests.signal_at_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SignalAtHook', moment=None)]
default_hooks = dict(checkpoint=dict(interval=1000), logger=dict(type='LoggerHook', interval=1))
"""


def test_matrix_ssl_stopped_mid_epoch_resumes_with_its_ema_target(demo_data, tmp_path):
    """The Matrix-SSL digits config at width 8 (``TINY_CONFIG``: the shipped one's layers,
    EMA target, momentum schedule, hooks and loss), two persistent data workers, no periodic
    checkpoint, 2 epochs of 6 iterations: a SIGTERM to the whole
    group in iteration 4 stops the run at 4 with exit 0, and ``--resume`` ends with the
    uninterrupted run's weights, EMA target, its step count, optimiser state and lr."""
    config = epoch_run_config(tmp_path, TINY_CONFIG, demo_data)
    with open(config, 'a') as f:
        f.write(SIGNAL_HOOK_AND_NO_PERIODIC_CHECKPOINT)
    code, output = train(tmp_path / 'straight', demo_data, config=config)
    assert code == 0, output[-3000:]
    straight = final_state(tmp_path / 'straight')
    work_dir = tmp_path / 'stopped'
    code, output = train(work_dir, demo_data, *signal_at('before_train_iter', 3), config=config)
    assert code == 0, output[-3000:]
    lines = [line for line in output.splitlines() if 'stopped by SIGTERM' in line]
    assert len(lines) == 1 and 'at iteration 4: saved' in lines[0], output[-3000:]
    assert [p.name for p in work_dir.glob('*.pth')] == ['iter_4.pth']  # the stop's only
    code, output = train(work_dir, demo_data, resume=True, config=config)
    assert code == 0, output[-3000:]
    final = final_state(work_dir)
    assert final['meta']['iter'] == ITERS
    assert_same_training_state(final, straight)
