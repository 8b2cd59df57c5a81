from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import check_matrix_ssl_settings, matrix_ssl_terms
from .loss_weight import check_loss_weight, weighted_terms


@MODELS.register_module()
class MatrixUniformityLoss(BaseModule):
    r"""Matrix uniformity alone, :math:`\tfrac12[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)]`.

    :math:`\mathcal U(p, z) = \operatorname{MCE}(\lambda I_d, C(p, z) + \mu I_d)` on
    L2-normalised rows. Same interface as ``MatrixSSLLoss``: use it with
    ``MatrixAlignmentLoss`` (or your own second term) in ``MatrixSSLHead(loss=[...])``.

    Args:
        lam (float): :math:`\lambda` of the target :math:`\lambda I_d`. Defaults to 1.
        mu (float): identity shift :math:`\mu > 0`. Defaults to 1.
        order (int): Taylor order of the matrix log. Defaults to 4.
        log_method (str): ``'taylor'`` (reference script) or ``'eigh'``.
            Defaults to ``'taylor'``.
        trace_term (bool): full MCE with :math:`+\operatorname{tr}(Q)` (paper).
            Defaults to False (reference script).
        scaled_identity (bool): :math:`\frac{\lambda}{d} I_d` (paper). Defaults to False.
        loss_weight (float): multiplier. Defaults to 1.

    Returns (forward):
        dict[str, Tensor]: ``loss_uniformity`` (weighted) and ``uniformity`` (detached).
    """

    def __init__(self, lam: float = 1.0, mu: float = 1.0, order: int = 4,
                 log_method: str = 'taylor', trace_term: bool = False,
                 scaled_identity: bool = False, loss_weight: float = 1.0) -> None:
        super().__init__()
        check_matrix_ssl_settings(lam=lam, mu=mu, order=order, log_method=log_method)
        self.loss_weight = check_loss_weight(loss_weight)
        self.settings = dict(lam=lam, mu=mu, order=order, log_method=log_method,
                             trace_term=trace_term, scaled_identity=scaled_identity)

    def forward(self, z1, z2, p1, p2) -> dict:
        """``z1, z2``: online predictions; ``p1, p2``: target projections, :math:`(m, d)`."""
        values = matrix_ssl_terms(z1, z2, p1, p2, terms=('uniformity', ), **self.settings)
        return weighted_terms(values, dict(uniformity=self.loss_weight))

    def extra_repr(self) -> str:
        return ', '.join(f'{k}={v}' for k, v in self.settings.items()) + \
            f', loss_weight={self.loss_weight}'
