"""One reader for every checkpoint file the plugin opens, with one kind of answer.

Every tool (extractor, kNN, spectrum), the backbone initialiser and the resume path
read checkpoint files through :func:`load_checkpoint_file`. A file that cannot be
used raises :class:`CheckpointFileError` whose message is one line naming the file,
what is wrong with it and what to do, for instance::

    work_dirs/run/iter_22.pth is truncated or damaged (46.0 MiB, no zip directory at its
    end): was the save interrupted? use the previous checkpoint

The loader always uses torch's safe unpickler (``weights_only=True``; the plugin
allow-lists the types mmengine's checkpoints hold) and never suggests turning it off.
"""
import os
import os.path as osp
import pickle
import re
import struct
import zipfile
from typing import Optional

import torch


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be used; the message says why and what to do."""


# torch.save's legacy (non-zip) format starts with a pickled magic number
_LEGACY_PREFIX = b'\x80'


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a complete checkpoint file, without loading it; ``None`` if it is.

    Checks existence, size and, for torch's zip format, that the archive's central
    directory (written last) is there: a save that was cut off has none.
    """
    if not path:
        return 'no checkpoint file named (empty path)'
    if not osp.exists(path):
        return f'{path} does not exist'
    if osp.isdir(path):
        return f'{path} is a directory, not a checkpoint file'
    size = osp.getsize(path)
    if size == 0:
        return (f'{path} is empty (0 bytes): was the save interrupted? use the previous '
                'checkpoint')
    with open(path, 'rb') as f:
        head = f.read(4)
    if head.startswith(b'PK'):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return (f'{path} is truncated or damaged ({size / 2**20:.1f} MiB, no zip '
                    'directory at its end): was the save interrupted? use the previous '
                    'checkpoint')
        if not any(name.endswith('data.pkl') for name in names):
            return (f'{path} is a zip archive but not a torch checkpoint (no data.pkl); '
                    'give a .pth file written by torch.save / mmengine')
        return None
    if head.startswith(_LEGACY_PREFIX):
        return None  # torch's legacy format: only loading tells whether it is complete
    return (f'{path} is not a torch checkpoint (starts with {head!r}); give a .pth file '
            'written by torch.save / mmengine')


def load_checkpoint_file(path: str, map_location='cpu'):
    """``torch.load(path, weights_only=True)`` with a one-line :class:`CheckpointFileError`.

    Returns the checkpoint dict; a file that is not complete, not a torch file, holds
    objects outside the safe-loading allow-list or holds something other than a dict
    is refused. mmengine's runners read local files through this function too
    (``compat/mmengine_checkpoint_loader.py``).

    Zip-format files are memory-mapped (fast for large files); legacy-format files
    are read normally (torch cannot memory-map them).
    """
    # mmengine's checkpoint types are allow-listed when mssl_plugin is imported (compat/),
    # which importing this module implies: engine/ does not reach up into compat/
    problem = checkpoint_problem(path)
    if problem:
        raise CheckpointFileError(problem)
    with open(path, 'rb') as f:
        zip_format = f.read(2) == b'PK'
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True,
                                mmap=zip_format)
    except pickle.UnpicklingError as error:
        reason = str(error).split('\n')[0]
        if 'Weights only load failed' in reason or 'Unsupported global' in str(error):
            detail = _unsupported_global(str(error))
            raise CheckpointFileError(
                f'{path} holds objects that safe loading refuses ({detail}); it is not a '
                'checkpoint this plugin or mmengine writes, or it may run code when '
                'loaded: re-save its weights only (torch.save(model.state_dict(), ...)) '
                'from a source you trust') from None
        raise CheckpointFileError(f'{path} cannot be read as a checkpoint '
                                  f'({reason[:200]})') from None
    except (EOFError, RuntimeError, OSError, ValueError, IndexError, KeyError, TypeError,
            AttributeError, struct.error) as error:  # what a cut-off stream raises
        reason = str(error).split('\n')[0] or type(error).__name__
        raise CheckpointFileError(
            f'{path} is truncated or damaged ({reason[:160]}): was the save interrupted? '
            'use the previous checkpoint') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointFileError(
            f'{path} holds a {type(checkpoint).__name__}, not a checkpoint (a dict: '
            "mmengine's with a state_dict, or a model's state_dict): give a file written "
            'by mmengine or by torch.save(model.state_dict(), ...)')
    return checkpoint


def _unsupported_global(message: str) -> str:
    for line in message.splitlines():
        if 'Unsupported global' in line or 'GLOBAL' in line:
            return line.strip().rstrip('.')[:160]
    return 'an object type outside the allow-list'


def is_complete_checkpoint(path: str) -> bool:
    return checkpoint_problem(path) is None


def newest_complete_checkpoint(work_dir: str, exclude=(),
                               pattern: Optional[str] = None) -> Optional[str]:
    """The most recently written complete ``*.pth`` file in ``work_dir``, or ``None``.

    With ``pattern`` (a regular expression), only files whose path relative to
    ``work_dir`` matches it count (e.g. a checkpoint hook's ``epoch_\\d+.pth``), searched
    in its sub-folders too.
    """
    if not osp.isdir(work_dir):
        return None
    candidates = []
    for folder, _, names in os.walk(work_dir):
        for name in names:
            path = osp.join(folder, name)
            relative = osp.relpath(path, work_dir)
            if pattern is None and folder != work_dir:
                continue
            if pattern is not None and not re.match(pattern, relative):
                continue
            if name.endswith('.pth') and not name.startswith('.') and path not in exclude:
                candidates.append((osp.getmtime(path), path))
    for _, path in sorted(candidates, reverse=True):
        if is_complete_checkpoint(path):
            return path
    return None
