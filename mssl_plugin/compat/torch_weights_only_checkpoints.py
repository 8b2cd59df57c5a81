"""Let mmengine 0.10.x checkpoints load with ``torch.load(weights_only=True)``.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7's
``resume=True`` then fails: its checkpoints hold a ``MessageHub`` state with
``HistoryBuffer`` objects and numpy arrays/scalars, none of which the safe
unpickler knows. Turning safe loading off (``weights_only=False`` or
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``) would let a crafted checkpoint run code,
so instead :func:`allow_mmengine_checkpoint_types` allow-lists exactly the types
those checkpoints contain:

* ``HistoryBuffer`` and numpy's array/scalar/dtype reconstructors;
* ``HistoryBuffer.__getstate__`` pickles its statistics functions, which pickle
  as ``getattr(HistoryBuffer, 'min')``. Allow-listing ``builtins.getattr``
  would reopen arbitrary code execution, so new checkpoints are written without
  them (they are re-registered on load anyway) and, for checkpoints written
  before, ``builtins.getattr`` is answered by a function that only resolves
  ``HistoryBuffer``'s own statistics methods and refuses anything else.

Called once when ``mssl_plugin`` is imported (``custom_imports`` in every config),
so users need no environment variable and plain weight files keep loading with
the default safe unpickler untouched. Delete when mmengine's checkpoints load with
``weights_only=True`` (not the case up to 0.10.7).
"""
import pickle

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')
_installed = False


def _history_buffer_statistic(owner, name):
    """Restricted stand-in for ``getattr`` in the safe unpickler."""
    allowed = set(_DEFAULT_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only the HistoryBuffer '
        f'statistics methods {sorted(allowed)} are allowed in safe loading')


def _history_buffer_getstate(self) -> dict:
    # Functions stay out of the pickle: __setstate__ re-registers the defaults and
    # custom statistics live on the class (HistoryBuffer.register_statistics).
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def _numpy_multiarray():
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    return multiarray


def mmengine_checkpoint_safe_globals() -> list:
    """The exact globals an mmengine 0.10 checkpoint needs beyond torch's defaults."""
    multiarray = _numpy_multiarray()
    dtype_classes = [getattr(np.dtypes, name) for name in dir(np.dtypes)
                     if name.endswith('DType')]
    safe = [HistoryBuffer, np.ndarray, np.dtype, *dtype_classes,
            (_history_buffer_statistic, 'builtins.getattr'),
            (_history_buffer_statistic, '__builtin__.getattr')]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        safe.append((multiarray._reconstruct, f'{module}._reconstruct'))
        safe.append((multiarray.scalar, f'{module}.scalar'))
    return safe


def allow_mmengine_checkpoint_types() -> None:
    """Register the safe globals and the function-free ``HistoryBuffer`` pickling (idempotent)."""
    global _installed
    if _installed:
        return
    torch.serialization.add_safe_globals(mmengine_checkpoint_safe_globals())
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    _installed = True
