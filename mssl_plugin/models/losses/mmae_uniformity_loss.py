from mmengine.model import BaseModule

from mmpretrain.registry import MODELS
from mssl_plugin.functional import mmae_uniformity
from mssl_plugin.functional.mmae import REGULARISERS


@MODELS.register_module()
class MMAEUniformityLoss(BaseModule):
    r"""M-MAE / U-MAE uniformity regulariser on encoder features.

    ``reg='tcr'`` (M-MAE): :math:`-\log\det(I_d + \frac{\mu}{d}\hat f^\top \hat f)`;
    ``reg='square'`` (U-MAE): :math:`\operatorname{mean}((\hat f \hat f^\top)^{\circ 2})`,
    on L2-normalised rows :math:`\hat f`. Thin wrapper of
    :func:`mssl_plugin.functional.mmae_uniformity`; rows are used as given by the
    head (which gathers them), so no gathering happens here.

    Args:
        reg (str): ``'tcr'`` or ``'square'``. Defaults to ``'tcr'``.
        mu (float): TCR scale. Defaults to 3.
        lamb (float): weight in ``mae_loss + lamb * reg``. Defaults to 1e-2.
        centering (bool): centre the normalised features first. Defaults to False.

    Returns (forward):
        dict[str, Tensor]: ``loss`` (:math:`\lambda \cdot` reg) and ``value`` (reg).
    """

    def __init__(self, reg: str = 'tcr', mu: float = 3.0, lamb: float = 1e-2,
                 centering: bool = False) -> None:
        super().__init__()
        if reg not in REGULARISERS:
            raise ValueError(f'reg must be one of {REGULARISERS}, got {reg!r}')
        if isinstance(lamb, bool) or not isinstance(lamb, (int, float)) or \
                not 0 <= lamb < float('inf'):
            raise ValueError(f'lamb must be a finite number >= 0 (0: plain MAE), got {lamb!r}')
        if reg == 'tcr' and (isinstance(mu, bool) or not isinstance(mu, (int, float))
                             or not 0 < mu < float('inf')):
            raise ValueError(f'mu must be a finite number > 0 for the TCR regulariser, got '
                             f'{mu!r} (mu=0 switches it off: use lamb=0 for plain MAE)')
        self.reg, self.mu, self.lamb, self.centering = reg, mu, lamb, centering

    def forward(self, features) -> dict:
        """``features``: :math:`(m, d)` encoder features (already gathered)."""
        value = mmae_uniformity(features, mu=self.mu, reg=self.reg, centering=self.centering,
                                gather_distributed=False)
        return dict(loss=self.lamb * value, value=value)

    def extra_repr(self) -> str:
        return f'reg={self.reg}, mu={self.mu}, lamb={self.lamb}, centering={self.centering}'
