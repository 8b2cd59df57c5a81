"""One feature vector per image from a self-supervised model's backbone and projector."""
from typing import Dict

import torch


def backbone_features(backbone, inputs: torch.Tensor) -> torch.Tensor:
    """One feature vector per image, :math:`(B, C)`, from a frozen backbone.

    CNNs: global average pool of the last stage. MAE-style ViTs (``MAEViT``, which
    masks by default): the whole image without masking, CLS token after the final
    norm (what mmpretrain's MAE linear-probing configs read). Other ViTs: their
    configured output (e.g. ``out_type='cls_token'``).
    """
    if hasattr(backbone, 'mask_ratio'):
        return backbone(inputs, mask=None)[-1][:, 0].float()
    last = backbone(inputs)[-1]
    pooled = last.mean(dim=(2, 3)) if last.dim() == 4 else last
    return pooled.flatten(1).float()


def embedding_spaces(model, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
    """``backbone`` features and, for joint-embedding models, ``projector`` outputs.

    Joint-embedding models (Matrix-SSL, and mmpretrain's BYOL, SimSiam, Barlow
    Twins, ...) have a projector neck on the backbone: its output
    :math:`(B, D)` is the space their loss shapes. Masked image models (MAE,
    M-MAE) have a pixel decoder as neck, which is not an embedding: only the
    backbone is returned.

    Args:
        model: an mmpretrain self-supervisor.
        inputs (Tensor): preprocessed images :math:`(B, C, H, W)`.

    Returns:
        dict[str, Tensor]: ``{'backbone': (B, C)[, 'projector': (B, D)]}``, float32.
    """
    if hasattr(model.backbone, 'mask_ratio') or getattr(model, 'neck', None) is None:
        return dict(backbone=backbone_features(model.backbone, inputs))
    stages = model.backbone(inputs)
    last = stages[-1]
    pooled = last.mean(dim=(2, 3)) if last.dim() == 4 else last
    return dict(backbone=pooled.flatten(1).float(), projector=model.neck(stages)[0].float())
