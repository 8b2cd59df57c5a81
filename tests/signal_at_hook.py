"""A test hook: the training process signals its whole process group at a chosen moment.

Used by ``tests/tools/test_preemption_moments.py`` (imported by its config through
``custom_imports``), so that a signal arrives exactly during validation, during a
checkpoint write or in the last iteration, and reaches the data-loader workers too (as
Slurm's does: every process of the job step).
"""
import os
import signal
import subprocess

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

MOMENTS = ('before_val_epoch', 'before_save_checkpoint', 'before_train_iter')


@HOOKS.register_module()
class SignalAtHook(Hook):
    """Send ``signal_name`` to this process's group at ``moment`` (once; for
    ``before_train_iter`` at iteration ``iteration``, 0-based); ``None``: never."""

    priority = 'VERY_HIGH'

    def __init__(self, moment=None, signal_name='SIGTERM', iteration=None):
        assert moment is None or moment in MOMENTS, moment
        assert isinstance(getattr(signal, signal_name, None), signal.Signals), signal_name
        self.moment, self.name, self.iteration = moment, signal_name[3:], iteration
        self.sent = False

    def _send(self):
        if self.sent:
            return
        # the whole group: the run was started in a session of its own, so this reaches
        # it and its data-loader workers only; sent by another process (`kill`), as the
        # scheduler's is (a worker ends on a SIGTERM from its parent: that is its shutdown)
        assert os.getpgrp() == os.getpid(), 'start the run with start_new_session=True'
        self.sent = True
        subprocess.run(['kill', '-s', self.name, '--', f'-{os.getpgrp()}'], check=True,
                       start_new_session=True)

    def before_val_epoch(self, runner):
        if self.moment == 'before_val_epoch':
            self._send()

    def before_save_checkpoint(self, runner, checkpoint):
        if self.moment == 'before_save_checkpoint':
            self._send()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.moment == 'before_train_iter' and runner.iter == self.iteration:
            self._send()
