"""mmengine 0.10.7 reads local checkpoint files with a bare ``torch.load``.

A bad file given to ``load_from``, ``--resume``, ``tools/test.py`` or mmdet's tools then
ends in torch's traceback, and for a file holding code-running objects in torch's advice
to re-run with ``weights_only=False``, i.e. to switch the protection off. This module

* registers the plugin's one reader (:func:`~mssl_plugin.engine.load_checkpoint_file`)
  as mmengine's loader for local paths (``CheckpointLoader``'s ``''`` scheme), so every
  runner path (``Runner.load_checkpoint``, ``Runner.resume``, ``load_checkpoint``, the
  ``Pretrained`` initialiser) answers a bad file with one :class:`CheckpointFileError`
  line; URLs and other schemes keep mmengine's loaders;
* prints an uncaught ``CheckpointFileError`` as one ``error:`` line (exit code 1, as
  for any uncaught exception) in entry points the plugin does not own, e.g. mmdet's
  ``tools/train.py``; ``MSSL_PLUGIN_VERBOSE=1`` (set by the plugin's ``--verbose``)
  shows the traceback.

Delete when mmengine's local loader answers bad files itself (checked against 0.10.7).
"""
import os
import os.path as osp
import sys

VERBOSE_VARIABLE = 'MSSL_PLUGIN_VERBOSE'


def load_local_checkpoint(filename: str, map_location=None):
    """mmengine's local checkpoint loader, through the plugin's one reader."""
    from mssl_plugin.engine.checkpoint_files import load_checkpoint_file
    return load_checkpoint_file(osp.expanduser(filename), map_location=map_location)


def register_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` mmengine's loader for local files and let an
    uncaught ``CheckpointFileError`` end the process with one line."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
    if not getattr(sys.excepthook, 'prints_checkpoint_errors_in_one_line', False):
        sys.excepthook = _one_line_checkpoint_errors(sys.excepthook)


def _one_line_checkpoint_errors(previous):
    from mssl_plugin.engine.checkpoint_files import CheckpointFileError

    def excepthook(kind, error, traceback):
        if issubclass(kind, CheckpointFileError) and not os.environ.get(VERBOSE_VARIABLE):
            print(f'error: {error}', file=sys.stderr, flush=True)
            return
        previous(kind, error, traceback)

    excepthook.prints_checkpoint_errors_in_one_line = True
    return excepthook
