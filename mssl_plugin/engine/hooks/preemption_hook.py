"""Save and stop every rank together when the scheduler asks the job to go."""
import os
import os.path as osp
import signal
import subprocess
import threading
import time
from typing import Optional, Sequence

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from torch.utils.data import DataLoader

from mmpretrain.registry import HOOKS


class SignalsIgnoredInWorkers:
    """A DataLoader ``worker_init_fn``: the worker ignores ``signals`` unless its parent
    sends SIGTERM, then calls the loader's own ``init_fn``.

    Slurm signals every process of a job step. PyTorch's workers end on any SIGTERM
    (quietly when the parent sent it, by the signal otherwise), and the training process
    then stops with "DataLoader worker exited unexpectedly", possibly in the middle of an
    iteration. Here a worker keeps working through a SIGTERM from anyone but its parent: a
    thread receives it with ``sigwaitinfo`` (the sender's pid is known there, unlike in a
    Python handler) and ends the worker only when the parent sent it, as PyTorch does (the
    parent's shutdown at exit relies on that). Other signals are ignored in the worker.
    """

    def __init__(self, signals: Sequence[int], init_fn=None) -> None:
        self.signals = list(signals)
        self.init_fn = init_fn

    def __call__(self, worker_id: int) -> None:
        for number in self.signals:
            if number == signal.SIGTERM:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                threading.Thread(target=_end_on_sigterm_from_parent, daemon=True).start()
            else:
                signal.signal(number, signal.SIG_IGN)
        if self.init_fn is not None:
            self.init_fn(worker_id)


def _end_on_sigterm_from_parent() -> None:
    parent = os.getppid()
    while True:
        if signal.sigwaitinfo({signal.SIGTERM}).si_pid == parent:
            os._exit(0)


class TrainingPreempted(SystemExit):
    """Raised on every rank after the preemption checkpoint is written: exit code 0, so a
    scheduler (Slurm, torchrun) treats the stop as clean. Catch it to go on in a script."""

    def __init__(self, message: str) -> None:
        super().__init__(0)
        self.message = message


@HOOKS.register_module()
class PreemptionHook(Hook):
    """On SIGTERM / SIGUSR1, save the current iteration on every rank and exit cleanly.

    Clusters warn a job before they stop it (Slurm sends SIGTERM, or the signal chosen with
    ``--signal=USR1@120``, some seconds before the kill). The handler only records the
    signal; after every training iteration the flag is reduced across ranks (one
    all-reduce of one number: a signal that reached any process stops all of them at the
    same iteration, so no rank waits alone in the next collective), and then every rank

    * writes the checkpoint of that iteration through the run's checkpoint hook
      (``AtomicCheckpointHook``: atomic, every rank's generators, ``last_checkpoint``
      updated), unless that hook has just saved the same iteration;
    * logs one line: ``stopped by SIGTERM at iteration k: saved <file> in s seconds;
      continue with --resume`` (the seconds size the scheduler's grace time);
    * with ``requeue=True`` under Slurm, asks ``scontrol requeue $SLURM_JOB_ID`` (rank 0);
    * raises :class:`TrainingPreempted` (``SystemExit(0)``).

    A signal during validation, a checkpoint write or data loading is honoured at the
    next iteration boundary; one that comes after the last iteration lets the run finish
    normally. Data-loader workers keep working through these signals (only the training
    process saves; Slurm signals every process of the job step, and PyTorch's workers
    would otherwise end on it: :class:`SignalsIgnoredInWorkers`). With
    ``ResumableEpochBasedTrainLoop`` the resumed run ends as the uninterrupted one would,
    mid-epoch included.

    Args:
        signals (Sequence[str]): signal names to handle. Defaults to
            ``('SIGTERM', 'SIGUSR1')``.
        requeue (bool): under Slurm (``SLURM_JOB_ID`` set), requeue the job after saving.
            Defaults to False (``tools/slurm_train.sh`` asks for it with ``REQUEUE=1``).
    """

    priority = 'LOWEST'  # after the checkpoint hook: it may have saved this iteration

    def __init__(self, signals: Sequence[str] = ('SIGTERM', 'SIGUSR1'),
                 requeue: bool = False) -> None:
        if isinstance(signals, str):
            signals = (signals, )
        self.signals = []
        for name in signals:
            number = getattr(signal, str(name), None)
            if not str(name).startswith('SIG') or not isinstance(number, signal.Signals):
                raise ValueError(f'PreemptionHook: unknown signal {name!r}; give names such '
                                 "as 'SIGTERM', 'SIGUSR1', 'SIGUSR2'")
            self.signals.append(number)
        self.requeue = requeue
        self._received: Optional[signal.Signals] = None
        self._pid = None
        self._previous = {}

    # -- signal handling ------------------------------------------------------------------
    def _handle(self, number, frame) -> None:
        if os.getpid() != self._pid:  # a data-loader worker (forked with the handler)
            return
        self._received = signal.Signals(number)

    def before_run(self, runner) -> None:
        if threading.current_thread() is not threading.main_thread():
            print_log('PreemptionHook: not in the main thread, signals are not handled',
                      logger='current', level=30)
            return
        self._pid = os.getpid()
        for number in self.signals:
            self._previous[number] = signal.signal(number, self._handle)
        for name in ('_train_loop', '_val_loop', '_test_loop'):
            loader = getattr(getattr(runner, name, None), 'dataloader', None)
            if isinstance(loader, DataLoader) and loader.num_workers > 0 and \
                    not isinstance(loader.worker_init_fn, SignalsIgnoredInWorkers):
                loader.worker_init_fn = SignalsIgnoredInWorkers(
                    [int(n) for n in self.signals], loader.worker_init_fn)

    def after_run(self, runner) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous = {}

    # -- the stop at an iteration boundary ------------------------------------------------
    def _stop_requested(self) -> bool:
        flag = torch.tensor([0 if self._received is None else int(self._received)])
        all_reduce(flag, op='max')  # a no-op in a single process
        if int(flag) and self._received is None:
            self._received = signal.Signals(int(flag))  # reached another rank
        return bool(int(flag))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self._stop_requested():
            return
        iteration = runner.iter + 1
        if iteration >= runner.max_iters:
            return  # the last iteration: the run ends normally now
        start = time.perf_counter()
        path = self._save(runner, iteration)
        seconds = time.perf_counter() - start
        requeued = self._requeue()
        message = (f'stopped by {self._received.name} at iteration {iteration}: saved {path} '
                   f'in {seconds:.1f} s; continue with --resume'
                   + ('; the job was requeued (it resumes by itself)' if requeued else ''))
        print_log(message, logger='current')
        raise TrainingPreempted(message)

    def _save(self, runner, iteration: int) -> str:
        hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        if hook is None:
            raise RuntimeError('PreemptionHook needs a checkpoint hook in default_hooks')
        last = getattr(hook, 'last_ckpt', None)
        if last and _saved_iteration(last) == iteration:
            return last  # the periodic checkpoint of this very iteration
        filename = f'iter_{iteration}.pth'
        meta = dict(epoch=runner.epoch, iter=iteration)
        if hasattr(hook, '_save_atomically'):
            from .atomic_checkpoint_hook import _write_atomically, gather_before_save
            gather_before_save(runner)
            hook._save_atomically(runner, filename, save_optimizer=True,
                                  save_param_scheduler=True, meta=meta, by_epoch=False)
            path = osp.join(hook.out_dir, filename)
            if is_main_process():
                _write_atomically(osp.join(runner.work_dir, 'last_checkpoint'), path)
        else:  # a stock CheckpointHook: mmengine's in-place save
            runner.save_checkpoint(hook.out_dir, filename, meta=meta, by_epoch=False,
                                   backend_args=hook.backend_args)
            path = hook.file_backend.join_path(hook.out_dir, filename)
            if is_main_process():
                with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                    f.write(path)
        hook.last_ckpt = path
        return path

    def _requeue(self) -> bool:
        job = os.environ.get('SLURM_JOB_ID')
        if not (self.requeue and job):
            return False
        if is_main_process():
            result = subprocess.run(['scontrol', 'requeue', job], capture_output=True,
                                    text=True)
            if result.returncode != 0:
                print_log(f'scontrol requeue {job} failed: {result.stderr.strip()}',
                          logger='current', level=30)
                return False
        return True


def _saved_iteration(path: str) -> Optional[int]:
    """The iteration in an ``iter_<k>.pth`` name, ``None`` for any other name."""
    name = osp.basename(str(path))
    if name.startswith('iter_'):
        try:
            return int(name[len('iter_'):].split('.')[0])
        except ValueError:
            return None
    return None
