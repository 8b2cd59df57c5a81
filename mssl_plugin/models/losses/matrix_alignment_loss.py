from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import check_matrix_ssl_settings, matrix_ssl_terms
from .loss_weight import check_loss_weight, weighted_terms


@MODELS.register_module()
class MatrixAlignmentLoss(BaseModule):
    r"""Matrix alignment alone, :math:`\tfrac12[\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2)]`.

    ``divergence='mce'`` (published):
    :math:`\mathcal A(p, z) = \operatorname{tr}(-(C(p,p) + \mu I)\log(C(z,z) + \mu I))`
    [:math:`+ \operatorname{tr}(C(z,z) + \mu I)` with ``trace_term``];
    ``divergence='mkl'``: :math:`\operatorname{MKL}(C(p,p) + \mu I \,\|\, C(z,z) + \mu I)`.
    Same interface as ``MatrixSSLLoss``; ``loss_weight`` plays the role of
    :math:`\gamma` when combined with ``MatrixUniformityLoss``.

    Args:
        mu (float): identity shift :math:`\mu > 0`. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'``. Defaults to ``'taylor'``.
        trace_term (bool): full MCE (paper). Defaults to False.
        divergence (str): ``'mce'`` or ``'mkl'``. Defaults to ``'mce'``.
        loss_weight (float): multiplier. Defaults to 1.

    Returns (forward):
        dict[str, Tensor]: ``loss_alignment`` (weighted) and ``alignment`` (detached).
    """

    def __init__(self, mu: float = 1.0, order: int = 4, log_method: str = 'taylor',
                 trace_term: bool = False, divergence: str = 'mce',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_matrix_ssl_settings(mu=mu, order=order, log_method=log_method,
                                  divergence=divergence)
        self.loss_weight = check_loss_weight(loss_weight)
        self.settings = dict(mu=mu, order=order, log_method=log_method, trace_term=trace_term,
                             divergence=divergence)

    def forward(self, z1, z2, p1, p2) -> dict:
        """``z1, z2``: online predictions; ``p1, p2``: target projections, :math:`(m, d)`."""
        values = matrix_ssl_terms(z1, z2, p1, p2, terms=('alignment', ), **self.settings)
        return weighted_terms(values, dict(alignment=self.loss_weight))

    def extra_repr(self) -> str:
        return ', '.join(f'{k}={v}' for k, v in self.settings.items()) + \
            f', loss_weight={self.loss_weight}'
