from typing import List, Optional, Union

import torch
from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import gather_rows
from ..utils import check_finite


@MODELS.register_module()
class MatrixSSLHead(BaseModule):
    """Matrix-SSL head: the predictor plus the matrix-information loss.

    Maps the online projections through the predictor, gathers online
    predictions and target projections across processes (exact gradients,
    :func:`mssl_plugin.functional.gather_rows`) and calls the loss.

    Args:
        predictor (dict): config of the predictor (any neck), e.g. mmpretrain's
            ``NonLinearNeck`` 2048-512-2048.
        loss (dict): config of the loss. ``MatrixSSLLoss`` returns its terms as a
            dict; a loss returning a tensor is accepted too.
        gather_distributed (bool): gather over ``torch.distributed`` so the
            covariances use the global batch, as published. Defaults to True.
        log_term_gradients (bool): also return ``grad_norm_uniformity`` and
            ``grad_norm_alignment``: the Frobenius norm of the gradient each weighted
            term sends to the online projections (both views, before the predictor),
            for diagnosing which term drives training. Costs one extra backward
            through the predictor and the loss. Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, predictor: dict, loss: dict, gather_distributed: bool = True,
                 log_term_gradients: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.predictor = MODELS.build(predictor)
        linears = [m for m in self.predictor.modules() if isinstance(m, torch.nn.Linear)]
        if linears and linears[-1].out_features < 2:
            raise ValueError(f'the predictor outputs {linears[-1].out_features} feature(s); '
                             'Matrix-SSL needs a dimension >= 2 (predictor out_channels)')
        self.loss_module = MODELS.build(loss)
        self.gather_distributed = gather_distributed
        self.log_term_gradients = log_term_gradients

    def loss(self, online_v1: torch.Tensor, online_v2: torch.Tensor, target_v1: torch.Tensor,
             target_v2: torch.Tensor) -> dict:
        """Matrix-SSL loss of two views.

        Args:
            online_v1, online_v2 (Tensor): online projector outputs :math:`(m, d)`.
            target_v1, target_v2 (Tensor): target projector outputs :math:`(m, d)`
                (detached here).

        Returns:
            dict[str, Tensor]: ``loss`` plus the detached ``uniformity`` and
            ``alignment`` values (their keys hold no "loss", so mmengine logs
            them without adding them to the total).
        """
        check_finite({'the online projection (view 1)': online_v1,
                      'the online projection (view 2)': online_v2,
                      'the target projection (view 1)': target_v1,
                      'the target projection (view 2)': target_v2}, 'Matrix-SSL')
        z1 = self.predictor([online_v1])[0]
        z2 = self.predictor([online_v2])[0]
        check_finite({'the prediction (view 1)': z1, 'the prediction (view 2)': z2},
                     'Matrix-SSL')
        branches = [z1, z2, target_v1.detach(), target_v2.detach()]
        if self.gather_distributed:
            branches = [gather_rows(b) for b in branches]
        terms = self.loss_module(*branches)
        if isinstance(terms, torch.Tensor):
            terms = dict(loss=terms)
        check_finite({f'the {k!r} term': v for k, v in terms.items()}, 'Matrix-SSL')
        out = {k: (v if k == 'loss' else v.detach()) for k, v in terms.items()}
        if self.log_term_gradients and online_v1.requires_grad:
            out.update(self._term_gradient_norms(terms, (online_v1, online_v2)))
        return out

    def _term_gradient_norms(self, terms: dict, projections) -> dict:
        weight = getattr(self.loss_module, 'loss_weight', 1.0)
        gamma = getattr(self.loss_module, 'kwargs', {}).get('gamma', 1.0)
        norms = {}
        for name, scale in (('uniformity', weight), ('alignment', weight * gamma)):
            grads = torch.autograd.grad(terms[name], projections, retain_graph=True,
                                        allow_unused=True)
            total = sum(float(g.pow(2).sum()) for g in grads if g is not None)
            norms[f'grad_norm_{name}'] = torch.tensor(scale * total ** 0.5)
        return norms
