from typing import List, Optional, Union

import torch
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import gather_rows
from ..utils import check_finite, merge_loss_terms


@MODELS.register_module()
class MMAEUniformityHead(BaseModule):
    """Uniformity regulariser head of M-MAE / U-MAE.

    Gathers the encoder features across processes and applies the regulariser
    loss. By default the gradient is exact: with DDP, the optimiser sees the
    gradient of the regulariser on the global batch, equal to one process on the
    concatenated batch. The published M-MAE code passes back only the local slice,
    which after DDP averaging is ``1 / world_size`` of that gradient;
    ``exact_grad=False`` reproduces it (equivalently, keep the exact gradient and
    divide ``loss_weight`` by the number of GPUs).

    Args:
        loss (dict): regulariser config, e.g. ``MMAEUniformityLoss``; it takes the
            :math:`(m, d)` features and returns ``loss_<term>`` / ``<term>`` entries.
        gather_distributed (bool): compute the regulariser on the global batch.
            Defaults to True.
        exact_grad (bool): exact gradient (True) or the published per-GPU
            scaling (False). Defaults to True.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, loss: dict, gather_distributed: bool = True, exact_grad: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)
        self.gather_distributed = gather_distributed
        self.exact_grad = exact_grad

    def loss(self, features: torch.Tensor) -> dict:
        """Regulariser of :math:`(m, d)` features.

        Returns:
            dict[str, Tensor]: ``loss_uniformity`` (weighted, summed into the
            total by mmengine) and the detached unweighted ``uniformity``.
        """
        check_finite({'the regulariser features': features}, 'M-MAE')
        if self.gather_distributed:
            features = gather_rows(features, exact_grad=self.exact_grad)
        return merge_loss_terms([self.loss_module(features)], 'M-MAE')
