"""``Pretrained(strict=True)``: load backbone weights and fail loudly when they do not fit."""
import os.path as osp
import warnings
from typing import Optional, Sequence

import torch
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info

from .checkpoint_files import CheckpointFileError, load_checkpoint_file

# Where the backbone lives in the checkpoints this plugin writes or reads, tried in order.
BACKBONE_PREFIXES = ('', 'backbone.', 'module.encoder.')


def state_dict_of(checkpoint) -> Optional[dict]:
    """The weights of a loaded checkpoint: mmengine's ``state_dict``, a ``model`` entry, or
    a bare ``{name: tensor}`` dict; ``None`` when it holds none of these."""
    if isinstance(checkpoint, dict):
        for key in ('state_dict', 'model'):
            if isinstance(checkpoint.get(key), dict):
                return checkpoint[key]
        if all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
            return checkpoint
    return None


class StrictPretrainedInit(PretrainedInit):
    """mmengine's ``Pretrained`` initializer with an opt-in ``strict`` mode.

    mmengine 0.10.7 loads with ``strict=False`` and only logs what is missing, so a
    wrong file silently leaves a randomly initialised backbone. With
    ``strict=True`` this initializer reads the file through the plugin's one
    checkpoint loader (``weights_only=True``), accepts an extracted backbone
    (``tools/model_converters/extract_backbone_weights.py``), a plugin training
    checkpoint (``backbone.``) or an official Matrix-SSL checkpoint
    (``module.encoder.``), and raises ``ValueError`` naming the missing keys or the
    differing shapes unless every parameter and buffer of the module (apart from
    ``ignore_missing`` prefixes, the documented opt-out for partial loads) is found.
    Without ``strict`` it is mmengine's initializer, unchanged.

    It is registered under mmengine's own name, ``'Pretrained'``
    (``mssl_plugin.compat.mmengine_strict_pretrained``), because mmengine, mmpretrain
    and mmdet treat that name specially: ``BaseModule`` applies it *after* the
    children's ``init_weights``, mmpretrain's ``ResNet`` then skips its
    ``zero_init_residual`` and ``VisionTransformer`` keeps the loaded ``pos_embed``.
    Any other type name would be overwritten by those re-initialisations.

    Args:
        checkpoint (str): path of the weights; with ``strict``, empty raises with the fix.
        prefix (str, optional): key prefix to read; with ``strict`` and ``None``, the
            prefixes above are tried.
        map_location (str): defaults to ``'cpu'``.
        strict (bool): require every module key. Defaults to False (mmengine's).
        ignore_missing (Sequence[str]): module key prefixes allowed to stay initialised
            with ``strict``, e.g. ``('norm.', )`` for ``ResLayerExtraNorm``.
    """

    def __init__(self, checkpoint: Optional[str] = None, prefix: Optional[str] = None,
                 map_location: str = 'cpu', strict: bool = False,
                 ignore_missing: Sequence[str] = ()) -> None:
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        self.strict = strict
        self.ignore_missing = tuple(ignore_missing)
        if ignore_missing and not strict:
            raise ValueError('ignore_missing is only meaningful with strict=True')

    def __call__(self, module: torch.nn.Module) -> None:
        if not self.strict:
            return super().__call__(module)
        if not self.checkpoint:
            raise CheckpointFileError(
                'no pretrained backbone given: pass it as the CHECKPOINT argument of '
                'tools/benchmarks/mmdetection/dist_train.sh, or with --cfg-options '
                'model.backbone.init_cfg.checkpoint=PATH')
        if not osp.isfile(self.checkpoint):
            raise CheckpointFileError(f'pretrained backbone {self.checkpoint} does not exist')
        state = state_dict_of(load_checkpoint_file(self.checkpoint, self.map_location))
        if state is None:
            raise CheckpointFileError(f'{self.checkpoint} holds no state dict')
        expected = set(module.state_dict())
        prefixes = (self.prefix, ) if self.prefix is not None else BACKBONE_PREFIXES
        best = None
        for prefix in prefixes:
            selected = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            matched = expected & set(selected)
            if best is None or len(matched) > len(best[2]):
                best = (prefix, selected, matched)
        prefix, selected, matched = best
        missing = sorted(k for k in expected - matched
                         if not k.startswith(self.ignore_missing))
        if not matched or missing:
            shown = ', '.join(missing[:8]) + (' ...' if len(missing) > 8 else '')
            raise ValueError(
                f'{self.checkpoint} does not fit {type(module).__name__}: '
                f'{len(matched)}/{len(expected)} keys found (prefix {prefix!r}), missing '
                f'{len(missing)}: {shown}. Extract the backbone with '
                f'tools/model_converters/extract_backbone_weights.py')
        own = module.state_dict()
        shapes = [f'{k} {tuple(selected[k].shape)} vs {tuple(own[k].shape)}'
                  for k in sorted(matched) if selected[k].shape != own[k].shape]
        if shapes:
            raise ValueError(f'{self.checkpoint}: shape mismatch for {shapes[:3]} '
                             f'(a different depth or width?)')
        module.load_state_dict({k: selected[k] for k in matched}, strict=False)
        print_log(f'loaded {len(matched)} tensors (prefix {prefix!r}) into '
                  f'{type(module).__name__} from {self.checkpoint}', logger='current')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())


class MsslPretrainedInit(StrictPretrainedInit):
    """Deprecated name (``type='MsslPretrained'``): use ``type='Pretrained', strict=True``.

    Kept for one release. Under this name mmengine applies the init *before* the
    children's ``init_weights``, so an mmpretrain ``ResNet`` with
    ``zero_init_residual`` zeroes the last norm of each block after loading and a
    ``VisionTransformer`` re-draws ``pos_embed`` and its FFN weights.
    """

    def __init__(self, checkpoint: Optional[str] = None, prefix: Optional[str] = None,
                 ignore_missing: Sequence[str] = (), map_location: str = 'cpu') -> None:
        warnings.warn("init_cfg type 'MsslPretrained' is deprecated: use "
                      "dict(type='Pretrained', strict=True, checkpoint=...) (mmengine applies "
                      "'Pretrained' after the children's init, so nothing overwrites the "
                      "loaded weights)", DeprecationWarning, stacklevel=2)
        super().__init__(checkpoint, prefix=prefix, map_location=map_location, strict=True,
                         ignore_missing=ignore_missing)
