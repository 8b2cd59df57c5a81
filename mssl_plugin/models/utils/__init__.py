from .features import backbone_features, embedding_spaces
from .loss_terms import merge_loss_terms
from .non_finite import check_finite

__all__ = ['backbone_features', 'check_finite', 'embedding_spaces', 'merge_loss_terms']
