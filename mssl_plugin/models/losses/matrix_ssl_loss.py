from typing import Optional

from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import check_matrix_ssl_settings, matrix_ssl_terms
from .loss_weight import check_loss_weight, renamed_argument, weighted_terms


@MODELS.register_module()
class MatrixSSLLoss(BaseModule):
    r"""The Matrix-SSL objective: uniformity + :math:`\gamma` alignment, in one pass.

    .. math::
        \mathcal L = \tfrac12\left[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)
            + \gamma(\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2))\right]

    Both terms share their Gram matrices (:func:`mssl_plugin.functional.matrix_ssl_terms`),
    which is why this is the default of ``MatrixSSLHead``; ``MatrixUniformityLoss`` +
    ``MatrixAlignmentLoss`` give the same numbers as two swappable configs. Rows are
    L2-normalised inside; gathering across processes is the head's job.

    Args:
        lam (float): :math:`\lambda` of the uniformity target :math:`\lambda I_d`.
            Defaults to 1.
        mu (float): identity shift :math:`\mu > 0` of both terms. Defaults to 1.
        gamma (float): alignment weight :math:`\gamma \ge 0` relative to uniformity.
            Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'``. Defaults to ``'taylor'``.
        trace_term (bool): full MCE, paper variant. Defaults to False.
        scaled_identity (bool): :math:`\frac{\lambda}{d} I_d`, paper variant.
            Defaults to False.
        divergence (str): of the alignment term, ``'mce'`` (published) or ``'mkl'``.
            Defaults to ``'mce'``.
        loss_weight (float): multiplier of both terms. Defaults to 1.
        alignment (str, optional): deprecated name of ``divergence``.

    Returns (forward):
        dict[str, Tensor]: ``loss_uniformity`` (:math:`w\,\mathcal U`) and
        ``loss_alignment`` (:math:`w\gamma\mathcal A`), summed into the total by
        mmengine, and the unweighted, detached ``uniformity`` and ``alignment``.
    """

    def __init__(self, lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0, order: int = 4,
                 log_method: str = 'taylor', trace_term: bool = False,
                 scaled_identity: bool = False, divergence: str = 'mce',
                 loss_weight: float = 1.0, alignment: Optional[str] = None) -> None:
        super().__init__()
        if alignment is not None:
            divergence = renamed_argument('alignment', 'divergence', alignment,
                                          'MatrixSSLLoss')
        check_matrix_ssl_settings(lam, mu, gamma, order, log_method, divergence)
        self.loss_weight = check_loss_weight(loss_weight)
        self.gamma = float(gamma)
        self.settings = dict(lam=lam, mu=mu, order=order, log_method=log_method,
                             trace_term=trace_term, scaled_identity=scaled_identity,
                             divergence=divergence)

    def forward(self, z1, z2, p1, p2) -> dict:
        """``z1, z2``: online predictions; ``p1, p2``: target projections; all
        :math:`(m, d)` over the whole (gathered) batch."""
        values = matrix_ssl_terms(z1, z2, p1, p2, **self.settings)
        return weighted_terms(values, dict(uniformity=self.loss_weight,
                                           alignment=self.loss_weight * self.gamma))

    def extra_repr(self) -> str:
        return ', '.join(f'{k}={v}' for k, v in self.settings.items()) + \
            f', gamma={self.gamma}, loss_weight={self.loss_weight}'
