from typing import Dict, List, Optional

import torch
import torch.nn as nn

from mmpretrain.models import MAE
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from ..utils import check_finite
from .diagnostics import RecordsDiagnostics
from .label_free_embeddings import PredictsEmbeddings

FEATURES = ('cls', 'avg')


@MODELS.register_module()
class MMAE(PredictsEmbeddings, RecordsDiagnostics, MAE):
    """M-MAE: MAE with a matrix-entropy uniformity regulariser.

    "Information Flow in Self-Supervised Learning" (ICML 2024),
    https://arxiv.org/abs/2309.17281. U-MAE is the special case
    ``uniformity_head.loss.reg='square'``.

    Objective: ``loss_rec + loss_uniformity`` (+ ``loss_probe``, whose gradient
    only reaches the probe), with ``loss_uniformity = loss_weight * reg(f)``.

    Regulariser features ``f``: the encoder output on the *visible* patches after
    the encoder's final LayerNorm, applied once as in mmpretrain's ``MAEViT`` (the
    published code applies it twice; once keeps the backbone identical to MAE's):

    * ``'cls'`` (published): the CLS token, ``latent[:, 0]``;
    * ``'avg'``: the mean of the visible patch tokens, ``latent[:, 1:].mean(1)``.

    ``mode='predict'`` (a val loop) returns the unmasked CLS embedding for the
    label-free ``RankMe`` / ``LiDAR`` metrics (``PredictsEmbeddings``).

    Args:
        backbone, neck, head (dict): as mmpretrain's ``MAE`` (``MAEViT``,
            ``MAEPretrainDecoder``, ``MAEPretrainHead``).
        uniformity_head (dict): ``MMAEUniformityHead`` config.
        probe_head (dict, optional): online linear probe, e.g. mmpretrain's
            ``LinearClsHead``; it sees ``BatchNorm1d(affine=False)`` of the detached
            features and the labels of the data samples. Its cross-entropy is
            ``loss_probe`` and its accuracy ``probe_accuracy_top1``.
        reg_feature (str): ``'cls'`` or ``'avg'``. Defaults to ``'cls'``.
    """

    def __init__(self, backbone: dict, neck: dict, head: dict, uniformity_head: dict,
                 probe_head: Optional[dict] = None, reg_feature: str = 'cls',
                 pretrained: Optional[str] = None, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if reg_feature not in FEATURES:
            raise ValueError(f'reg_feature must be one of {FEATURES}, got {reg_feature!r}')
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.reg_feature = reg_feature
        self.uniformity_head = MODELS.build(uniformity_head)
        if probe_head is not None:
            in_channels = probe_head.get('in_channels', self.backbone.embed_dims)
            # the same layer as mmpretrain's ClsBatchNormNeck (BatchNorm1d, affine=False,
            # eps 1e-6), kept bare: that neck would rename the buffers to probe_norm.bn.*,
            # and the strict resume check would then refuse every M-MAE checkpoint written
            # so far; switch together with a key migration for old checkpoints
            self.probe_norm = nn.BatchNorm1d(in_channels, affine=False, eps=1e-6)
            self.probe_head = MODELS.build(probe_head)
        else:
            self.probe_norm = self.probe_head = None
        self.init_diagnostics()

    def regulariser_features(self, latent: torch.Tensor) -> torch.Tensor:
        """``latent``: :math:`(N, 1 + L_{vis}, C)` encoder output -> :math:`(N, C)`."""
        if self.reg_feature == 'cls':
            return latent[:, 0]
        return latent[:, 1:].mean(dim=1)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Reconstruction + uniformity (+ probe) losses of one batch.

        Args:
            inputs (Tensor): images :math:`(N, C, H, W)`.
            data_samples (list[DataSample]): labels, read by the probe only.

        Returns:
            dict[str, Tensor]: ``loss_rec``, ``loss_uniformity`` (summed into the
            objective), ``uniformity`` (the unweighted regulariser, logged), and with a probe
            ``loss_probe`` and ``probe_accuracy_top1``.
        """
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise ValueError(f'M-MAE takes one view per image, got {len(inputs)}')
            inputs = inputs[0]
        latent, mask, ids_restore = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)
        losses = dict(loss_rec=self.head.loss(pred, inputs, mask))
        check_finite({'the reconstruction loss': losses['loss_rec']}, 'M-MAE')
        features = self.regulariser_features(latent)
        self.record(regulariser=features)
        losses.update(self.uniformity_head.loss(features))
        if self.probe_head is not None:
            losses.update(self._probe(features.detach(), data_samples))
        return losses

    def _probe(self, features: torch.Tensor, data_samples: List[DataSample]) -> dict:
        if data_samples is None or any('gt_label' not in s for s in data_samples):
            raise ValueError('the online linear probe needs labels: the dataset must provide '
                             'gt_label (e.g. ImageNet / CustomDataset with class folders), or '
                             'set probe_head=None')
        with torch.autocast(device_type=features.device.type, enabled=False):
            probe = self.probe_head.loss((self.probe_norm(features.float()), ), data_samples)
        out = dict(loss_probe=probe['loss'])
        for key, value in probe.items():
            if key.startswith('accuracy'):
                if isinstance(value, (list, tuple)):  # mmpretrain's Accuracy: one per threshold
                    value = value[0]
                out['probe_' + key.replace('-', '')] = torch.as_tensor(value).detach()
        return out
