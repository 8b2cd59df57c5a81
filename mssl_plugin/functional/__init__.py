"""Matrix information measures and the Matrix-SSL / M-MAE objectives in pure torch.

No OpenMMLab import here: the registered modules in ``mssl_plugin.models`` are
thin wrappers around these functions. Features are rows: ``Z`` is ``(m, d)``.
The objectives take the whole batch: gathering across processes is the caller's job
(``gather_rows``, exact gradients); normalisation and input checks happen here.
"""
from .covariance import center_rows, covariance
from .distributed import gather_rows, is_distributed
from .effective_rank import effective_rank
from .entropy import (matrix_cross_entropy, matrix_entropy, matrix_kl, trace_xlogx,
                      von_neumann_entropy)
from .lidar import lidar
from .matrix_log import matrix_log, spectral_radius, taylor_log_coefficients
from .matrix_ssl import (DIVERGENCES, check_matrix_ssl_settings, matrix_alignment,
                         matrix_ssl_loss, matrix_ssl_terms, matrix_uniformity)
from .mmae import mmae_uniformity
from .rankme import rankme
from .mutual_information import matrix_joint_entropy, matrix_mutual_information
from .spectral import symmetric_matrix_function
from .tcr import tcr

__all__ = [
    'center_rows', 'covariance', 'gather_rows', 'is_distributed', 'effective_rank',
    'matrix_cross_entropy', 'matrix_entropy', 'matrix_kl', 'trace_xlogx',
    'von_neumann_entropy', 'matrix_log', 'spectral_radius', 'taylor_log_coefficients',
    'DIVERGENCES', 'check_matrix_ssl_settings', 'matrix_alignment', 'matrix_ssl_loss',
    'matrix_ssl_terms',
    'matrix_uniformity',
    'mmae_uniformity', 'rankme', 'lidar', 'matrix_joint_entropy', 'matrix_mutual_information',
    'symmetric_matrix_function', 'tcr'
]
