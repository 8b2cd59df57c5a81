"""LiDAR as an mmengine metric: label-free checkpoint selection."""
from typing import Optional, Sequence

import torch

from mmpretrain.registry import METRICS
from mssl_plugin.functional import lidar
from .embedding_metric import EmbeddingMetric


@METRICS.register_module()
class LiDAR(EmbeddingMetric):
    r"""LiDAR (Thilak et al., ICLR 2024) of the val set's augmented views.

    Each image is a surrogate class, its augmented views ``first_view:`` (the
    training augmentation, :math:`q \ge 2` of them) the class's samples; the score
    is the smooth rank of :math:`\Sigma_w^{-1/2}\Sigma_b\Sigma_w^{-1/2}` (see
    :func:`mssl_plugin.functional.lidar`). Results are named ``lidar/<space>``.

    Args:
        first_view (int): index of the first augmented view; the shipped label-free
            val pipelines put one un-augmented view (for ``RankMe``) first.
        max_images (int): at most this many images; the paper uses 1,000 (more
            than the embedding width).
        delta (float): ridge on :math:`\Sigma_w`, 1e-4.
        eps (float): :math:`\epsilon`, 1e-8.
        spaces, collect_device, prefix: see ``EmbeddingMetric``.
    """
    default_prefix = 'lidar'

    def __init__(self, first_view: int = 1, max_images: Optional[int] = 1000,
                 delta: float = 1e-4, eps: float = 1e-8, spaces: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(spaces=spaces, max_images=max_images, collect_device=collect_device,
                         prefix=prefix)
        self.first_view, self.delta, self.eps = first_view, delta, eps

    def score(self, embeddings: torch.Tensor) -> torch.Tensor:
        views = embeddings[:, self.first_view:]
        if views.shape[1] < 2:
            raise ValueError(f'LiDAR needs >= 2 augmented views per image from view '
                             f'{self.first_view} on, the val pipeline gives '
                             f'{embeddings.shape[1]} in all; use e.g. MultiView(num_views=[1, 10])')
        return lidar(views, delta=self.delta, eps=self.eps)
