from .features import backbone_features, embedding_spaces
from .non_finite import check_finite

__all__ = ['backbone_features', 'check_finite', 'embedding_spaces']
