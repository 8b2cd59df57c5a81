"""``mode='predict'`` for self-supervisors: embeddings for label-free metrics."""
from typing import List, Optional, Union

import torch

from mmpretrain.structures import DataSample
from ..utils import embedding_spaces


class PredictsEmbeddings:
    """Adds mmengine's ``predict`` mode to a ``BaseSelfSupervisor``.

    mmpretrain's self-supervisors have no ``predict`` mode, so a ``ValLoop`` cannot
    run on them. With this mixin the val step embeds every view of every image
    and stores, per data sample, ``embeddings = {space: (q, K)}`` for the spaces
    of :func:`~mssl_plugin.models.utils.embedding_spaces` (``backbone`` and, with
    a projector, ``projector``). ``RankMe`` and ``LiDAR`` read them; no label is
    read here.
    """

    def forward(self, inputs, data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @torch.no_grad()
    def predict(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """Embeddings of each view.

        Args:
            inputs (Tensor | list[Tensor]): :math:`q` views, each :math:`(B, C, H, W)`
                (a ``MultiView`` pipeline), or one batch of images.
            data_samples (list[DataSample], optional): passed through.

        Returns:
            list[DataSample]: ``B`` samples with ``embeddings`` ``{space: (q, K)}``.
        """
        views = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        per_view = [embedding_spaces(self, view) for view in views]
        stacked = {space: torch.stack([spaces[space] for spaces in per_view], dim=1)
                   for space in per_view[0]}
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(views[0]))]
        for index, sample in enumerate(data_samples):
            sample.embeddings = {space: value[index] for space, value in stacked.items()}
        return data_samples
