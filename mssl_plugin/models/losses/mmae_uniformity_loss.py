from typing import Optional

from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import mmae_uniformity
from mssl_plugin.functional.mmae import REGULARISERS
from .loss_weight import check_loss_weight, renamed_argument, weighted_terms


@MODELS.register_module()
class MMAEUniformityLoss(BaseModule):
    r"""M-MAE / U-MAE uniformity regulariser on encoder features.

    ``reg='tcr'`` (M-MAE): :math:`-\log\det(I_d + \frac{\mu}{d}\hat f^\top \hat f)`;
    ``reg='square'`` (U-MAE): :math:`\operatorname{mean}((\hat f \hat f^\top)^{\circ 2})`,
    on L2-normalised rows :math:`\hat f`. Thin wrapper of
    :func:`mssl_plugin.functional.mmae_uniformity`; the head gathers the rows.

    Args:
        reg (str): ``'tcr'`` or ``'square'``. Defaults to ``'tcr'``.
        mu (float): TCR scale :math:`\mu > 0`. Defaults to 3.
        loss_weight (float): the regulariser's weight in ``mae_loss + loss_weight * reg``
            (the papers' :math:`\lambda`), :math:`\ge 0`; 0 trains plain MAE and still
            logs the value. Defaults to 1e-2.
        centering (bool): centre the normalised features first. Defaults to False.
        lamb (float, optional): deprecated name of ``loss_weight``.

    Returns (forward):
        dict[str, Tensor]: ``loss_uniformity`` (weighted) and ``uniformity`` (detached).
    """

    def __init__(self, reg: str = 'tcr', mu: float = 3.0, loss_weight: float = 1e-2,
                 centering: bool = False, lamb: Optional[float] = None) -> None:
        super().__init__()
        if lamb is not None:
            loss_weight = renamed_argument('lamb', 'loss_weight', lamb, 'MMAEUniformityLoss')
        if reg not in REGULARISERS:
            raise ValueError(f'reg must be one of {REGULARISERS}, got {reg!r}')
        self.loss_weight = check_loss_weight(loss_weight, allow_zero=True)
        if reg == 'tcr' and (isinstance(mu, bool) or not isinstance(mu, (int, float))
                             or not 0 < mu < float('inf')):
            raise ValueError(f'mu must be a finite number > 0 for the TCR regulariser, got '
                             f'{mu!r} (mu=0 switches it off: use loss_weight=0 for plain MAE)')
        self.reg, self.mu, self.centering = reg, mu, centering

    def forward(self, features) -> dict:
        """``features``: :math:`(m, d)` encoder features of the whole (gathered) batch."""
        value = mmae_uniformity(features, mu=self.mu, reg=self.reg, centering=self.centering)
        return weighted_terms(dict(uniformity=value), dict(uniformity=self.loss_weight))

    def extra_repr(self) -> str:
        return (f'reg={self.reg}, mu={self.mu}, loss_weight={self.loss_weight}, '
                f'centering={self.centering}')
