"""Helpers shared by the evaluation and analysis tools (kNN, linear probe, spectrum)."""
from .embedding import (backbone_features, build_model_with_backbone, embed_dataset,
                        embed_pixels, embed_views)
from .readout import knn_top1, linear_probe_top1, reestimate_batchnorm

__all__ = ['backbone_features', 'build_model_with_backbone', 'embed_dataset', 'embed_pixels',
           'embed_views', 'knn_top1', 'linear_probe_top1', 'reestimate_batchnorm']
