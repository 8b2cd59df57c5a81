"""Shared collection of per-sample embeddings for label-free metrics."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric


class EmbeddingMetric(BaseMetric):
    """Collects ``embeddings = {space: (q, K)}`` that ``PredictsEmbeddings`` stores.

    Labels are never read: the data samples' ``gt_label`` is dropped in
    :meth:`process`. Subclasses compute one score per space from the stacked
    embeddings :math:`(N, q, K)` in :meth:`score`.

    Args:
        spaces (sequence[str], optional): which embedding spaces to score
            (``'backbone'``, ``'projector'``); all the model gives by default.
        max_images (int, optional): use at most this many images (the first ones
            of the val set, in order, so every evaluation sees the same images).
        collect_device (str): device to gather results across ranks.
        prefix (str, optional): metric name prefix; defaults to the class's.
    """

    def __init__(self, spaces: Optional[Sequence[str]] = None, max_images: Optional[int] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if max_images is not None and (isinstance(max_images, bool) or
                                       not isinstance(max_images, int) or max_images < 2):
            raise ValueError(f'max_images must be an integer >= 2 or None, got {max_images!r}')
        self.spaces = tuple(spaces) if spaces is not None else None
        self.max_images = max_images

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'embeddings' not in sample:
                raise KeyError(f'{type(self).__name__} needs the embeddings a model with '
                               f'PredictsEmbeddings returns in predict mode (MatrixSSL, MMAE); '
                               f'got a data sample with keys {sorted(sample)}')
            self.results.append({space: value.detach().cpu()
                                 for space, value in sample['embeddings'].items()})

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if self.max_images is not None:
            results = results[:self.max_images]
        available = tuple(results[0]) if results else ()
        spaces = self.spaces if self.spaces is not None else available
        missing = [s for s in spaces if s not in available]
        if missing:
            raise KeyError(f'{type(self).__name__}: the model gives embeddings {available}, '
                           f'not {missing}; set spaces= to a subset of {available}')
        return {space: float(self.score(torch.stack([r[space] for r in results])))
                for space in spaces}

    def score(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Score of the stacked embeddings :math:`(N, q, K)` of one space."""
        raise NotImplementedError
