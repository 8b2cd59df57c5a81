from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule, ModuleList

from mmpretrain.registry import MODELS
from mssl_plugin.functional import gather_rows
from ..utils import check_finite, merge_loss_terms


@MODELS.register_module()
class MatrixSSLHead(BaseModule):
    """Matrix-SSL head: the predictor, the gather across processes, the losses.

    Naming, as in the paper's code: ``z1, z2`` are the **online predictions**
    (predictor of the online projections: the branch that learns), ``p1, p2`` the
    **target projections** (EMA teacher, detached here: the branch that is matched).
    The head gathers all four over ``torch.distributed`` (exact gradients,
    :func:`mssl_plugin.functional.gather_rows`) and hands the whole batch to each loss
    as ``loss(z1, z2, p1, p2)``; normalisation and the math are the losses'.

    Args:
        predictor (dict): config of the predictor (any neck), e.g. mmpretrain's
            ``NonLinearNeck`` 2048-512-2048.
        loss (dict | list[dict]): the loss, or several whose terms add up. Each takes
            ``(z1, z2, p1, p2)`` and returns ``loss_<term>`` (weighted, summed by
            mmengine) and ``<term>`` (logged) entries: ``MatrixSSLLoss`` (both terms
            in one pass, the default), or ``[MatrixUniformityLoss, MatrixAlignmentLoss]``
            to weight or swap the terms one by one.
        gather_distributed (bool): gather over ``torch.distributed`` so the
            covariances use the global batch, as published. Defaults to True.
        log_term_gradients (bool): also return ``grad_norm_<term>`` for every
            ``loss_<term>``: the Frobenius norm of the gradient that weighted term sends
            to the online projections (both views, before the predictor), for
            diagnosing which term drives training. Costs one extra backward through
            the predictor and the loss per term. Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, predictor: dict, loss: Union[dict, Sequence[dict]],
                 gather_distributed: bool = True, log_term_gradients: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.predictor = MODELS.build(predictor)
        linears = [m for m in self.predictor.modules() if isinstance(m, torch.nn.Linear)]
        if linears and linears[-1].out_features < 2:
            raise ValueError(f'the predictor outputs {linears[-1].out_features} feature(s); '
                             'Matrix-SSL needs a dimension >= 2 (predictor out_channels)')
        configs = [loss] if isinstance(loss, dict) else list(loss)
        if not configs:
            raise ValueError('MatrixSSLHead needs at least one loss, e.g. '
                             "loss=dict(type='MatrixSSLLoss')")
        self.losses = ModuleList([MODELS.build(cfg) for cfg in configs])
        self.gather_distributed = gather_distributed
        self.log_term_gradients = log_term_gradients

    def loss(self, online_v1: torch.Tensor, online_v2: torch.Tensor, target_v1: torch.Tensor,
             target_v2: torch.Tensor) -> dict:
        """Matrix-SSL losses of two views.

        Args:
            online_v1, online_v2 (Tensor): online projector outputs :math:`(m, d)`.
            target_v1, target_v2 (Tensor): target projector outputs :math:`(m, d)`
                (detached here).

        Returns:
            dict[str, Tensor]: every loss's ``loss_<term>`` and detached ``<term>``
            entries (e.g. ``loss_uniformity``, ``loss_alignment``, ``uniformity``,
            ``alignment``), plus ``grad_norm_<term>`` with ``log_term_gradients``.
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
        out = merge_loss_terms([loss(*branches) for loss in self.losses], 'Matrix-SSL')
        if self.log_term_gradients and online_v1.requires_grad:
            out.update(self._term_gradient_norms(out, (online_v1, online_v2)))
        return out

    @staticmethod
    def _term_gradient_norms(out: dict, projections) -> dict:
        norms = {}
        for key in [k for k in out if k.startswith('loss_')]:
            grads = torch.autograd.grad(out[key], projections, retain_graph=True,
                                        allow_unused=True)
            total = sum(float(g.pow(2).sum()) for g in grads if g is not None)
            norms['grad_norm_' + key[len('loss_'):]] = torch.tensor(total ** 0.5)
        return norms
