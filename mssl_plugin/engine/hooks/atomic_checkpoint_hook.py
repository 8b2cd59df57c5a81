import os
import os.path as osp
import re
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from mmpretrain.registry import HOOKS
from ..checkpoint_files import (CheckpointFileError, checkpoint_problem,
                                newest_complete_checkpoint)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose saves cannot leave the run without a resumable file.

    mmengine 0.10.7 deletes the oldest kept checkpoint *before* it writes the new
    one, writes in place, and then points ``last_checkpoint`` at it: with
    ``max_keep_ckpts=1`` a kill during the save leaves ``last_checkpoint`` naming a
    deleted or half-written file, and every ``--resume`` fails. This hook

    * writes each checkpoint to a hidden temporary name and renames it into place
      (atomic on a local file system; a ``filename_tmpl`` with a sub-folder gets it
      created), then rewrites ``last_checkpoint`` the same way, and only then deletes
      the checkpoints ``max_keep_ckpts`` no longer keeps; a new best checkpoint
      (``save_best``) is written the same way before the old best is deleted;
    * on ``resume=True`` without a file (``--resume``), checks that the file
      ``last_checkpoint`` names is complete and otherwise resumes from the newest
      complete training checkpoint this hook's ``filename_tmpl`` names (never a
      ``best_*``, published or weights-only file), logging which one;
    * on resume, refuses a damaged file (``CheckpointFileError``, one line) before
      mmengine reads it, and a checkpoint that does not fit the model (missing or
      unexpected keys, other shapes: the first ones named) before anything of it is
      loaded or "resumed" is logged;
    * asks hooks that keep per-rank data in checkpoints to gather it on every rank
      before each save (``TorchRNGStateHook``): mmengine saves from rank 0 alone.

    Same arguments as ``CheckpointHook``. A non-local ``out_dir`` / ``backend_args``
    (S3, petrel, ...) and a ``last_checkpoint`` or ``--resume`` naming a URL keep
    mmengine's behaviour: saved in place and resumed by mmengine's loaders.
    """

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if not runner._resume:
            return
        if runner._load_from is None:
            runner._load_from = self.resumable_checkpoint(runner.work_dir,
                                                          self._local_out_dir(runner))
        elif not is_url(runner._load_from):
            problem = checkpoint_problem(runner._load_from)
            if problem:
                raise CheckpointFileError(f'cannot resume: {problem}')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner._resume:
            check_fits_model(checkpoint, runner.model, runner._load_from)

    def _local_out_dir(self, runner) -> Optional[str]:
        """Where this hook writes (as ``before_train`` will compute it), if local."""
        if self.out_dir is None:
            return runner.work_dir
        if is_url(self.out_dir) or self.backend_args or self.file_client_args:
            return None
        return osp.join(self.out_dir, osp.basename(osp.normpath(runner.work_dir)))

    def resumable_checkpoint(self, work_dir: str, out_dir: Optional[str] = None):
        """The checkpoint ``--resume`` should use in ``work_dir`` (``None``: start anew)."""
        pointer = osp.join(work_dir, 'last_checkpoint')
        named = None
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = f.read().strip()
            if is_url(named) or out_dir is None:
                return named or None  # a remote store: mmengine's loaders read it
            if named and not osp.isabs(named) and not osp.exists(named):
                named = osp.join(work_dir, osp.basename(named))
            problem = checkpoint_problem(named)
            if problem is None:
                return named
        if out_dir is None:
            return None
        newest = newest_complete_checkpoint(out_dir, pattern=self._training_file_pattern())
        if named is None:
            if newest is not None:
                print_log(f'no last_checkpoint in {work_dir}; resuming from the newest '
                          f'complete training checkpoint {newest}', logger='current')
            return newest
        if newest is None:
            raise CheckpointFileError(
                f'cannot resume in {work_dir}: last_checkpoint names '
                f'{named or "nothing (the file is empty)"} ({problem}) and no other '
                'complete checkpoint is there; start without --resume or give a '
                'checkpoint with --resume PATH')
        print_log(f'last_checkpoint names {named or "nothing"} ({problem}); resuming from '
                  f'the newest complete checkpoint {newest} instead', logger='current',
                  level=30)
        return newest

    def _training_file_pattern(self) -> str:
        """A regular expression for the relative paths ``filename_tmpl`` produces."""
        template = self.filename_tmpl
        if template is None:
            template = 'epoch_{}.pth' if self.by_epoch else 'iter_{}.pth'
        return '^' + re.escape(template).replace(r'\{\}', r'\d+') + '$'

    def _is_local(self) -> bool:
        backend = getattr(self.file_backend, 'client', self.file_backend)  # FileClient
        return isinstance(backend, LocalBackend) and not is_url(self.out_dir)

    def _save_checkpoint_with_step(self, runner, step, meta):
        gather_before_save(runner)
        if not self._is_local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._save_atomically(runner, filename, save_optimizer=self.save_optimizer,
                              save_param_scheduler=self.save_param_scheduler, meta=meta,
                              by_epoch=self.by_epoch, **self.args)
        if not is_main_process():
            return
        _write_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old_step in outdated:
            old = osp.join(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(old) and old != self.last_ckpt:
                os.remove(old)

    def _save_atomically(self, runner, filename: str, **kwargs) -> None:
        """``runner.save_checkpoint`` to a hidden name, renamed into place on rank 0."""
        folder, name = osp.split(filename)
        partial = osp.join(folder, f'.{name}.partial')
        runner.save_checkpoint(self.out_dir, partial, self.file_client_args,
                               backend_args=self.backend_args, **kwargs)
        if is_main_process():
            target = osp.join(self.out_dir, filename)
            os.makedirs(osp.dirname(target), exist_ok=True)
            os.replace(osp.join(self.out_dir, partial), target)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self._is_local():
            return super()._save_best_checkpoint(runner, metrics)
        # mmengine removes the old best, then writes the new one in place: defer the
        # removal and write the new best atomically, so a kill leaves a best file
        replaced = []
        backend = self.file_backend
        save = runner.save_checkpoint

        def save_best(out_dir, filename, file_client_args=None, **kwargs):
            if not osp.basename(filename).startswith('best_'):
                return save(out_dir, filename, file_client_args, **kwargs)
            kwargs.pop('backend_args', None)
            self._save_atomically(runner, filename, **kwargs)

        backend.remove = replaced.append
        runner.save_checkpoint = save_best
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            del backend.remove, runner.save_checkpoint
        kept = {str(getattr(self, 'best_ckpt_path', None))} | set(
            map(str, (getattr(self, 'best_ckpt_path_dict', None) or {}).values()))
        for old in replaced:
            if is_main_process() and str(old) not in kept and osp.isfile(old):
                os.remove(old)


def is_url(path) -> bool:
    """A path on a non-local store (``s3://...``, ``petrel://...``, ``http://...``)."""
    return isinstance(path, str) and '://' in path


def gather_before_save(runner) -> None:
    """Let hooks that need every rank's data in the checkpoint collect it (a collective:
    this runs on every rank; mmengine then calls ``before_save_checkpoint`` on rank 0)."""
    for hook in runner.hooks:
        if hasattr(hook, 'gather_before_save'):
            hook.gather_before_save(runner)


def check_fits_model(checkpoint: dict, model, name: str) -> None:
    """Raise ``CheckpointFileError`` unless ``checkpoint['state_dict']`` fits ``model`` exactly."""
    model = getattr(model, 'module', model)
    saved = checkpoint.get('state_dict') if isinstance(checkpoint, dict) else None
    if not isinstance(saved, dict):
        raise CheckpointFileError(f'cannot resume from {name}: it holds no state_dict '
                                  '(a weights-only file? use load_from= to fine-tune from it)')
    expected = model.state_dict()
    missing = [k for k in expected if k not in saved]
    unexpected = [k for k in saved if k not in expected]
    shapes = [f'{k} {tuple(saved[k].shape)} vs {tuple(v.shape)} in the model'
              for k, v in expected.items() if k in saved and hasattr(saved[k], 'shape')
              and tuple(saved[k].shape) != tuple(v.shape)]
    problems = []
    if shapes:
        problems.append(f'{len(shapes)} shape(s) differ, first: ' + '; '.join(shapes[:3]))
    if missing:
        problems.append(f'{len(missing)} key(s) missing, first: ' + ', '.join(missing[:3]))
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected key(s), first: '
                        + ', '.join(unexpected[:3]))
    if not problems and 'meta' not in checkpoint:
        raise CheckpointFileError(
            f'cannot resume from {name}: it holds weights but no training state (meta, '
            'optimizer, schedulers); start a new run from it with load_from= instead')
    if problems:
        raise CheckpointFileError(
            f'cannot resume from {name}: it does not fit this model ({"; ".join(problems)}). '
            'Resume with the config it was trained with, or start a new run with '
            'load_from= instead of --resume')


def _write_atomically(path: str, text: str) -> None:
    partial = osp.join(osp.dirname(path), f'.{osp.basename(path)}.partial')
    with open(partial, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
