from typing import List, Optional, Union

import torch
import torch.nn as nn

from mmpretrain.models import BaseSelfSupervisor, CosineEMA
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from .diagnostics import RecordsDiagnostics
from .label_free_embeddings import PredictsEmbeddings


@MODELS.register_module()
class MatrixSSL(PredictsEmbeddings, RecordsDiagnostics, BaseSelfSupervisor):
    """Matrix-SSL: "Matrix Information Theory for Self-Supervised Learning" (ICML 2024).

    https://arxiv.org/abs/2305.17326

    Online network: backbone + neck (projector), head (predictor + loss).
    Target network: EMA of backbone + projector (no predictor), momentum
    :math:`1 - m_t` with :math:`m_t` annealed by cosine from ``base_momentum`` to
    ``end_momentum`` over the run (mmpretrain ``CosineEMA``: 0.996 -> 1 by
    default).

    ``mode='predict'`` (a val loop) returns backbone and projector embeddings for
    the label-free ``RankMe`` / ``LiDAR`` metrics (``PredictsEmbeddings``).

    Order of the EMA update: as in mmpretrain's BYOL, the target is updated with
    the current online weights right before the target forward of each
    iteration. The reference script updates right after the optimiser step of
    the previous iteration: the same weights reach the target forward, only the
    momentum schedule is shifted by one iteration.

    Args:
        backbone (dict): backbone config (ResNet-50 with zero-init residual).
        neck (dict): projector config (3-layer ``NonLinearNeck``).
        head (dict): ``MatrixSSLHead`` config.
        base_momentum (float): start :math:`m_0` of the EMA. Defaults to 0.004.
        end_momentum (float): final :math:`m` of the EMA. Defaults to 0.
        pretrained (str, optional): checkpoint for the online network.
        data_preprocessor (dict, optional): defaults to ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, backbone: dict, neck: dict, head: dict, base_momentum: float = 0.004,
                 end_momentum: float = 0.0, pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        for name, value in (('base_momentum', base_momentum), ('end_momentum', end_momentum)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'{name} must lie in [0, 1] (teacher weight 1 - {name}), '
                                 f'got {value!r}')
        if head is None or neck is None:
            raise ValueError('MatrixSSL needs a neck (projector) and a head (predictor + '
                             f'loss), got neck={neck!r}, head={head!r}')
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.target_net = CosineEMA(nn.Sequential(self.backbone, self.neck),
                                    momentum=base_momentum, end_momentum=end_momentum)
        self.init_diagnostics()

    #: MatrixInfoHook logs the mutual information between the two views' projections
    diagnostic_pairs = (('projector_v1', 'projector_v2'), )

    def online_projection(self, images: torch.Tensor) -> torch.Tensor:
        return self.neck(self.backbone(images))[0]

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """Matrix-SSL loss of two augmented views.

        Args:
            inputs (list[Tensor]): two views, each :math:`(N, C, H, W)`.
            data_samples (list[DataSample]): unused (labels are never read).

        Returns:
            dict[str, Tensor]: the head's terms: ``loss_uniformity``,
            ``loss_alignment`` (summed by mmengine into ``loss``) and the logged,
            unweighted ``uniformity`` / ``alignment``.
        """
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            count = len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__
            raise ValueError(f'MatrixSSL needs exactly 2 views per image (use a two-view '
                             f'MultiView pipeline with num_views=[1, 1]), got {count}')
        view_1, view_2 = inputs
        if view_1.shape != view_2.shape:
            raise ValueError(f'the two views must have the same shape, got '
                             f'{tuple(view_1.shape)} and {tuple(view_2.shape)}')
        backbone_v1 = self.backbone(view_1)
        online_v1 = self.neck(backbone_v1)[0]
        online_v2 = self.online_projection(view_2)
        if self.record_diagnostics:
            self.record(backbone=backbone_v1[-1].mean(dim=(2, 3)), projector_v1=online_v1,
                        projector_v2=online_v2)
        with torch.no_grad():
            self.target_net.update_parameters(nn.Sequential(self.backbone, self.neck))
            target_v1 = self.target_net(view_1)[0]
            target_v2 = self.target_net(view_2)[0]
        return self.head.loss(online_v1, online_v2, target_v1, target_v2)
