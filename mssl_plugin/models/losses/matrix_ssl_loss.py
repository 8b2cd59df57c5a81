from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import check_matrix_ssl_settings, matrix_ssl_terms
from .loss_weight import check_loss_weight


@MODELS.register_module()
class MatrixSSLLoss(BaseModule):
    r"""Symmetrised Matrix-SSL objective (uniformity + :math:`\gamma` alignment).

    .. math::
        \mathcal L = \tfrac12\left[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)
            + \gamma(\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2))\right]

    Computes both terms in one pass so the Gram matrices they share are built once
    (:func:`mssl_plugin.functional.matrix_ssl_terms`). Rows are L2-normalised
    inside; gathering across processes is the head's job, so it is off here.

    Args:
        lam (float): uniformity identity weight. Defaults to 1.
        mu (float): identity shift. Defaults to 1.
        gamma (float): alignment weight. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'``. Defaults to ``'taylor'``.
        trace_term (bool): full MCE, paper variant. Defaults to False.
        scaled_identity (bool): :math:`\frac{\lambda}{d} I_d`, paper variant.
            Defaults to False.
        alignment (str): ``'mce'`` (published) or ``'mkl'``. Defaults to ``'mce'``.
        loss_weight (float): multiplier of the total. Defaults to 1.

    Returns (forward):
        dict[str, Tensor]: ``loss`` (weighted total), ``uniformity`` and
        ``alignment`` (unweighted averages over the two pairings).
    """

    def __init__(self, lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0, order: int = 4,
                 log_method: str = 'taylor', trace_term: bool = False,
                 scaled_identity: bool = False, alignment: str = 'mce',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_matrix_ssl_settings(lam, mu, gamma, order, log_method, alignment)
        self.loss_weight = check_loss_weight(loss_weight)
        self.kwargs = dict(lam=lam, mu=mu, gamma=gamma, order=order, log_method=log_method,
                           trace_term=trace_term, scaled_identity=scaled_identity,
                           alignment=alignment)

    def forward(self, z1, z2, p1, p2) -> dict:
        """``z1, z2``: online predictions; ``p1, p2``: target projections, all :math:`(m, d)`."""
        terms = matrix_ssl_terms(z1, z2, p1, p2, gather_distributed=False, **self.kwargs)
        terms['loss'] = self.loss_weight * terms['loss']
        return terms

    def extra_repr(self) -> str:
        return ', '.join(f'{k}={v}' for k, v in self.kwargs.items()) + \
            f', loss_weight={self.loss_weight}'
