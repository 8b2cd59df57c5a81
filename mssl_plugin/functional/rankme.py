r"""RankMe (Garrido et al., ICML 2023, https://arxiv.org/abs/2210.02885).

A label-free quality signal: the smooth rank of a matrix of embeddings of
(up to ~25,600) source images. The paper compares runs of *one* method and one
embedding width; across widths or methods it can mislead.
"""
import torch

from ._checks import check_positive, check_tensor, full_precision


def entropy_rank(values: torch.Tensor, eps: float) -> torch.Tensor:
    r""":math:`\exp(-\sum_k p_k \log p_k)`, :math:`p_k = v_k / \lVert v \rVert_1 + \epsilon`.

    The smoothed effective rank that RankMe (singular values) and LiDAR
    (eigenvalues) share; ``eps`` is added after normalising, as in both papers.

    Args:
        values (Tensor): non-negative spectrum :math:`(k,)`, not all zero.
        eps (float): the papers' :math:`\epsilon`.
    """
    probs = values / values.sum() + eps
    return torch.exp(-(probs * torch.log(probs)).sum())


@full_precision
def rankme(embeddings: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    r"""RankMe of an embedding matrix.

    .. math::
        \operatorname{RankMe}(Z) = \exp\Big(-\sum_{k=1}^{\min(N, K)} p_k \log p_k\Big),
        \quad p_k = \frac{\sigma_k(Z)}{\lVert \sigma(Z) \rVert_1} + \epsilon

    with :math:`\sigma(Z)` the singular values of :math:`Z` as given (no centring or
    normalisation, as in the paper).

    Args:
        embeddings (Tensor): :math:`(N, K)`, one row per image; the paper uses
            :math:`N = 25600` (fewer give a lower value when :math:`N < K`).
        eps (float): :math:`\epsilon`, 1e-7 in the paper.

    Returns:
        Tensor: scalar in :math:`[1, \min(N, K)]` (up to the :math:`\epsilon` terms).

    Raises:
        ValueError: for fewer than 2 rows, non-finite or all-zero embeddings.
    """
    check_tensor(embeddings, 'embeddings', min_rows=2)
    check_positive(eps, 'eps')
    singular = torch.linalg.svdvals(embeddings)
    if not bool(singular.sum() > 0):
        raise ValueError(f'RankMe of all-zero embeddings of shape {tuple(embeddings.shape)} '
                         f'is undefined: the network outputs only zeros (collapsed)')
    return entropy_rank(singular, eps)
