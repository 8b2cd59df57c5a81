import os
import os.path as osp

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
      (atomic on a local file system), then rewrites ``last_checkpoint`` the same way,
      and only then deletes the checkpoints ``max_keep_ckpts`` no longer keeps;
    * on ``resume=True`` without a file (``--resume``), checks that the file
      ``last_checkpoint`` names is complete and otherwise resumes from the newest
      complete checkpoint of the work dir, with a warning naming both;
    * on resume, refuses a damaged file (``CheckpointFileError``, one line) before
      mmengine reads it, and a checkpoint that does not fit the model (missing or
      unexpected keys, other shapes: the first ones named) before anything of it is
      loaded or "resumed" is logged.

    Same arguments as ``CheckpointHook``; non-local back-ends (``backend_args``) keep
    mmengine's behaviour.
    """

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if not runner._resume:
            return
        if runner._load_from is None:
            runner._load_from = self.resumable_checkpoint(runner.work_dir)
        else:
            problem = checkpoint_problem(runner._load_from)
            if problem:
                raise CheckpointFileError(f'cannot resume: {problem}')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner._resume:
            check_fits_model(checkpoint, runner.model, runner._load_from)

    @staticmethod
    def resumable_checkpoint(work_dir: str):
        """The checkpoint ``--resume`` should use in ``work_dir`` (``None``: start anew)."""
        pointer = osp.join(work_dir, 'last_checkpoint')
        named = None
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = f.read().strip()
            if named and not osp.isabs(named) and not osp.exists(named):
                named = osp.join(work_dir, osp.basename(named))
            problem = checkpoint_problem(named)
            if problem is None:
                return named
        newest = newest_complete_checkpoint(work_dir)
        if named is None:
            return newest  # never checkpointed through this hook: mmengine's default
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

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
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
        partial = f'.{filename}.partial'
        runner.save_checkpoint(self.out_dir, partial, self.file_client_args,
                               save_optimizer=self.save_optimizer,
                               save_param_scheduler=self.save_param_scheduler, meta=meta,
                               by_epoch=self.by_epoch, backend_args=self.backend_args,
                               **self.args)
        if not is_main_process():
            return
        os.replace(osp.join(self.out_dir, partial), self.last_ckpt)
        _write_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old_step in outdated:
            old = osp.join(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(old) and old != self.last_ckpt:
                os.remove(old)


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
