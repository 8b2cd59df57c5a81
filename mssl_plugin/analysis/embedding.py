"""Frozen-backbone embeddings of a dataset, for kNN evaluation and spectrum analysis."""
import contextlib
import logging
import sys
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader

from mssl_plugin.models.utils import backbone_features


@contextlib.contextmanager
def quiet_init_report(verbose: bool = False):
    """Hold back mmengine's per-parameter ``init_weights`` report (INFO lines).

    Without a log file mmengine writes one "<name> - <shape>: The value is the same
    before and after calling `init_weights`" block per parameter (hundreds of lines
    for a ResNet-18) to the current logger; tools that build a model only to read
    features raise that logger to WARNING meanwhile. ``verbose=True`` keeps it.
    """
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def build_model_with_backbone(cfg, checkpoint: Optional[str], seed: int = 0,
                              verbose: bool = False):
    """Build ``cfg.model`` (random init with ``seed``) and load a backbone into it.

    ``checkpoint`` may be any checkpoint whose backbone fits: this plugin's training
    checkpoints, an extracted backbone, an official Matrix-SSL file, or another
    mmpretrain self-supervised method's checkpoint with the same backbone (BYOL,
    SimSiam, ...). Only the backbone is loaded, strictly (``Pretrained(strict=True)``).
    mmengine's init report is held back unless ``verbose``.
    """
    from mmpretrain.registry import MODELS
    from mssl_plugin.engine import StrictPretrainedInit
    torch.manual_seed(seed)
    with quiet_init_report(verbose):
        model = MODELS.build(cfg.model)
        model.init_weights()
        if checkpoint is not None:
            StrictPretrainedInit(checkpoint=checkpoint, strict=True)(model.backbone)
    return model.eval()


@torch.no_grad()
def embed_dataset(model, dataset, batch_size: int = 128, normalize: bool = True,
                  progress: bool = True, num_workers: int = 2) -> Tuple[torch.Tensor, torch.Tensor]:
    """Global-average-pooled last-stage backbone features and labels of ``dataset``.

    Returns:
        tuple: features :math:`(N, C)` (L2-normalised if ``normalize``) and labels
        :math:`(N,)` (-1 where the dataset has none).
    """
    from mmengine.utils import ProgressBar
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        collate_fn=default_collate)
    # a bar that redraws itself on a terminal; in a log file one line per update is noise
    bar = ProgressBar(len(dataset)) if progress and sys.stdout.isatty() else None
    features, labels = [], []
    for batch in loader:
        data = model.data_preprocessor(dict(inputs=[batch['inputs']], data_samples=None), False)
        pooled = backbone_features(model.backbone, data['inputs'][0])
        features.append(F.normalize(pooled, dim=1) if normalize else pooled)
        labels.append(torch.as_tensor([
            s.gt_label.item() if 'gt_label' in s else -1 for s in batch['data_samples']]))
        if bar is not None:
            bar.update(len(labels[-1]))
    if bar is not None:
        print()
    return torch.cat(features), torch.cat(labels)


@torch.no_grad()
def embed_pixels(dataset, batch_size: int = 256,
                 normalize: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """The raw-pixel floor's features: each packed image flattened (L2-normalised if
    ``normalize``).

    What a read-out reaches with no network at all (e.g. 97 % kNN on the demo digits,
    82 % on Fashion-MNIST): the number a learned feature has to beat.

    Returns:
        tuple: features :math:`(N, C \\cdot H \\cdot W)` and labels :math:`(N,)` (-1 where
        the dataset has none).
    """
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0,
                        collate_fn=default_collate)
    features, labels = [], []
    for batch in loader:
        pixels = batch['inputs'].flatten(1).float()
        features.append(F.normalize(pixels, dim=1) if normalize else pixels)
        labels.append(torch.as_tensor([
            s.gt_label.item() if 'gt_label' in s else -1 for s in batch['data_samples']]))
    return torch.cat(features), torch.cat(labels)


@torch.no_grad()
def embed_views(model, dataset, batch_size: int = 128, num_workers: int = 0) -> torch.Tensor:
    """Backbone features of every view of a ``MultiView`` dataset, :math:`(N, q, C)`.

    For LiDAR: the :math:`q` augmented views of one image are one surrogate class.
    Set the random seeds first to get the same views every call
    (``num_workers=0`` keeps the augmentation in this process).
    """
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        collate_fn=default_collate)
    chunks = []
    for batch in loader:
        views = model.data_preprocessor(dict(inputs=batch['inputs'], data_samples=None),
                                        False)['inputs']
        chunks.append(torch.stack([backbone_features(model.backbone, v) for v in views], dim=1))
    return torch.cat(chunks)
