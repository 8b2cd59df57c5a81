"""RankMe as an mmengine metric: label-free checkpoint selection."""
from typing import Optional, Sequence

import torch

from mmpretrain.registry import METRICS
from mssl_plugin.functional import rankme
from .embedding_metric import EmbeddingMetric


@METRICS.register_module()
class RankMe(EmbeddingMetric):
    r"""RankMe (Garrido et al., ICML 2023) of the val set's embeddings.

    :math:`\exp(-\sum_k p_k \log p_k)`, :math:`p_k = \sigma_k / \lVert\sigma\rVert_1 +
    \epsilon`, over the singular values of the :math:`(N, K)` matrix of embeddings
    of view ``view`` (see :func:`mssl_plugin.functional.rankme`). Results are named
    ``rankme/<space>``, e.g. ``CheckpointHook(save_best='rankme/backbone',
    rule='greater')``. Compare checkpoints of one method and one width only.

    Args:
        view (int): which view of each image to use; 0 is the un-augmented one in
            the shipped label-free val pipelines.
        max_images (int): at most this many images; the paper uses 25,600.
        eps (float): :math:`\epsilon`, 1e-7 in the paper.
        spaces, collect_device, prefix: see ``EmbeddingMetric``.
    """
    default_prefix = 'rankme'

    def __init__(self, view: int = 0, max_images: Optional[int] = 25600, eps: float = 1e-7,
                 spaces: Optional[Sequence[str]] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(spaces=spaces, max_images=max_images, collect_device=collect_device,
                         prefix=prefix)
        self.view, self.eps = view, eps

    def score(self, embeddings: torch.Tensor) -> torch.Tensor:
        if not -embeddings.shape[1] <= self.view < embeddings.shape[1]:
            raise ValueError(f'RankMe view={self.view} but the val pipeline gives '
                             f'{embeddings.shape[1]} view(s) per image')
        return rankme(embeddings[:, self.view], eps=self.eps)
