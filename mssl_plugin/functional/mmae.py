r"""M-MAE / U-MAE uniformity regularisers.

"Information Flow in Self-Supervised Learning" (ICML 2024).

On L2-normalised features :math:`\hat f` of shape :math:`(m, d)` (the whole batch:
gathering across processes is the caller's job, the head's):

.. math::
    \text{tcr:}\quad & -\log\det\left(I_d + \frac{\mu}{d} \hat f^\top \hat f\right)
        \quad (\hat f^\top J_m \hat f \text{ with } \texttt{centering}) \\
    \text{square (U-MAE):}\quad & \operatorname{mean}\left((\hat f \hat f^\top)^{\circ 2}\right)
        = \frac{1}{m^2}\|\hat f^\top \hat f\|_F^2
"""
import torch
import torch.nn.functional as F

from ._checks import check_choice, check_positive, check_tensor, full_precision
from .covariance import center_rows
from .tcr import tcr

REGULARISERS = ('tcr', 'square')


@full_precision
def mmae_uniformity(f: torch.Tensor, mu: float = 3.0, reg: str = 'tcr',
                    centering: bool = False) -> torch.Tensor:
    r"""M-MAE (``reg='tcr'``) or U-MAE (``reg='square'``) uniformity regulariser.

    Args:
        f (Tensor): encoder features :math:`(m, d)` of the whole batch (gather them
            first with :func:`.distributed.gather_rows` when the batch is split).
        mu (float): TCR scale :math:`\mu \ge 0`. Defaults to 3.
        reg (str): ``'tcr'`` or ``'square'``. Defaults to ``'tcr'``.
        centering (bool): centre the normalised features (:math:`J_m \hat f`)
            before the TCR. Defaults to False.

    Returns:
        Tensor: scalar (minimise it: ``total = mae_loss + loss_weight * reg``).

    Raises:
        ValueError: wrong rank, non-finite features, fewer than 2 samples,
            negative ``mu``, unknown ``reg``.
    """
    check_tensor(f, 'f')
    check_choice(reg, 'reg', REGULARISERS)
    mu = check_positive(mu, 'mu', allow_zero=True)
    if f.shape[0] < 2:
        raise ValueError(
            f'the uniformity regulariser needs at least 2 samples, got {f.shape[0]}; '
            'increase the batch size or gather across processes first')
    normalized = F.normalize(f, dim=1)
    if reg == 'square':
        num_samples, dim = normalized.shape
        small = normalized @ normalized.mT if num_samples < dim else normalized.mT @ normalized
        return small.pow(2).sum() / num_samples ** 2
    if centering:
        normalized = center_rows(normalized)
    return -tcr(normalized, mu)
