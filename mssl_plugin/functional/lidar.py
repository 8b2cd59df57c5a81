r"""LiDAR (Thilak et al., ICLR 2024, https://arxiv.org/abs/2312.04000).

A label-free quality signal: the smooth rank of the linear discriminant matrix
of a surrogate classification task in which the :math:`q` augmented views of one
image form one class.
"""
import torch

from ._checks import check_positive, full_precision
from .rankme import entropy_rank


@full_precision
def lidar(embeddings: torch.Tensor, delta: float = 1e-4, eps: float = 1e-8) -> torch.Tensor:
    r"""LiDAR of :math:`n` images seen in :math:`q` augmented views each.

    .. math::
        \mu_x = \frac{1}{q}\sum_{i} e_{x,i}, \quad \mu = \frac{1}{n}\sum_x \mu_x, \quad
        \Sigma_b = \frac{1}{n-1} \sum_x (\mu_x - \mu)(\mu_x - \mu)^\top,

        \Sigma_w = \frac{1}{n(q-1)} \sum_{x,i} (e_{x,i} - \mu_x)(e_{x,i} - \mu_x)^\top
        + \delta I, \quad
        \Sigma_{\mathrm{lidar}} = \Sigma_w^{-1/2} \Sigma_b \Sigma_w^{-1/2},

        \operatorname{LiDAR} = \exp\Big(-\sum_k p_k \log p_k\Big), \quad
        p_k = \frac{\lambda_k}{\lVert \lambda \rVert_1} + \epsilon

    with :math:`\lambda` the eigenvalues of :math:`\Sigma_{\mathrm{lidar}}`.

    Args:
        embeddings (Tensor): :math:`(n, q, K)`; the paper uses :math:`n = 1000`
            images (more than :math:`K` is better) and :math:`q = 50` views
            (:math:`q = 10` gives nearly the same value).
        delta (float): ridge :math:`\delta` on :math:`\Sigma_w`, 1e-4 in the paper's code.
        eps (float): :math:`\epsilon`, 1e-8.

    Returns:
        Tensor: scalar in :math:`[1, K]`.

    Raises:
        ValueError: unless :math:`n \ge 2`, :math:`q \ge 2` and the values are finite.
    """
    if not isinstance(embeddings, torch.Tensor) or embeddings.dim() != 3:
        shape = tuple(embeddings.shape) if isinstance(embeddings, torch.Tensor) else \
            type(embeddings).__name__
        raise ValueError(f'LiDAR needs embeddings of shape (images, views, dim), got {shape}; '
                         f'stack the q augmented views of each image along dim 1')
    images, views, dim = embeddings.shape
    if images < 2 or views < 2:
        raise ValueError(f'LiDAR needs at least 2 images and 2 views of each, got {images} '
                         f'image(s) x {views} view(s)')
    if not embeddings.is_floating_point() or not bool(torch.isfinite(embeddings).all()):
        raise ValueError('LiDAR embeddings must be finite floating point values')
    check_positive(delta, 'delta')
    check_positive(eps, 'eps')
    class_means = embeddings.mean(dim=1)
    between = class_means - class_means.mean(dim=0)
    sigma_b = between.T @ between / (images - 1)
    within = (embeddings - class_means.unsqueeze(1)).reshape(images * views, dim)
    eye = torch.eye(dim, dtype=embeddings.dtype, device=embeddings.device)
    sigma_w = within.T @ within / (images * (views - 1)) + delta * eye
    evals_w, evecs_w = torch.linalg.eigh(sigma_w)
    inv_sqrt = (evecs_w * evals_w.clamp_min(delta).rsqrt()) @ evecs_w.T
    sigma_lidar = inv_sqrt @ sigma_b @ inv_sqrt
    evals = torch.linalg.eigvalsh((sigma_lidar + sigma_lidar.T) / 2).clamp_min(0)
    return entropy_rank(evals, eps)
