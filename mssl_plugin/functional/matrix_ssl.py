r"""The Matrix-SSL objective ("Matrix Information Theory for Self-Supervised Learning", ICML 2024).

With :math:`C(a, b) = \frac1m a^\top J_m b` on L2-normalised rows,

.. math::
    \mathcal U(p, z) &= \operatorname{tr}\left(-\lambda I_d \log(C(p, z) + \mu I_d)\right)
        \ [+ \operatorname{tr}(C(p,z) + \mu I_d)] \\
    \mathcal A(p, z) &= \operatorname{tr}\left(-(C(p,p) + \mu I_d) \log(C(z, z) + \mu I_d)\right)
        \ [+ \operatorname{tr}(C(z,z) + \mu I_d)] \\
    \mathcal L &= \tfrac12\left[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)
        + \gamma(\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2))\right]

where :math:`z_i` are the online predictions (predictor outputs, the branch that
learns) and :math:`p_i` the target projections (EMA teacher, the branch that is
matched); rows are L2-normalised here. Gathering across processes is the caller's
job (the head's, :func:`.distributed.gather_rows`): these functions see one batch.
The reference script uses the order-4 Taylor log, no bracketed trace terms and
:math:`\lambda I_d`; the paper writes the full MCE (``trace_term=True``) with
:math:`\frac{\lambda}{d} I_d` (``scaled_identity=True``). ``divergence='mkl'``
replaces MCE by :math:`\operatorname{MKL}(C(p,p)+\mu I \,\|\, C(z,z)+\mu I)`.

All traces are computed in the :math:`m \times m` batch space when
:math:`m < d` (:mod:`.batch_space`, :mod:`.log_traces`), so one call costs
:math:`O(m^2 d)`; the two terms share their Gram matrices.
"""
import torch
import torch.nn.functional as F

from ._checks import (check_choice, check_order, check_positive, check_same_shape,
                      check_tensor, full_precision)
from .batch_space import CentredGrams
from .log_traces import LogTraces
from .matrix_log import LOG_METHODS

#: divergences of the alignment term: matrix cross-entropy (published) or matrix KL
DIVERGENCES = ('mce', 'mkl')
TERMS = ('uniformity', 'alignment')

#: the order-k Taylor log converges for every input only below this mu (see below)
TAYLOR_MU_LIMIT = 2.0


def check_matrix_ssl_settings(lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0,
                              order: int = 4, log_method: str = 'taylor',
                              divergence: str = 'mce') -> None:
    r"""Raise ``ValueError`` naming the value and its valid range for bad settings.

    Ranges from the math: :math:`\lambda, \gamma \ge 0` (0 switches a term off),
    :math:`\mu > 0` (:math:`C + \mu I` must be positive definite), an integer Taylor
    order :math:`\ge 1`. The Taylor series of :math:`\log(C + \mu I)` around
    :math:`I` converges iff every eigenvalue of :math:`C + (\mu - 1) I` lies in
    :math:`(-1, 1)`. With L2-normalised rows the eigenvalues of :math:`C` lie in
    :math:`[0, 1]` and include 0 whenever :math:`d > m`, so :math:`\mu \ge 2` always
    diverges (refused here), :math:`0 < \mu \le 1` converges for every input that has
    not collapsed to one direction, and :math:`1 < \mu < 2` converges only while the
    largest eigenvalue stays below :math:`2 - \mu` (checked at every call).
    """
    check_positive(lam, 'lam', allow_zero=True)
    check_positive(gamma, 'gamma', allow_zero=True)
    check_positive(mu, 'mu')
    check_order(order)
    check_choice(log_method, 'log_method', LOG_METHODS)
    check_choice(divergence, 'divergence', DIVERGENCES)
    if log_method == 'taylor' and mu >= TAYLOR_MU_LIMIT:
        raise ValueError(
            f'mu={mu!r}: the Taylor series of log(C + mu*I) diverges for mu >= 2 (the zero '
            'eigenvalues of C give |mu - 1| >= 1); 0 < mu <= 1 always converges, 1 < mu < 2 '
            'only while the largest eigenvalue of C stays below 2 - mu; use '
            'log_method="eigh" for larger mu')


def _uniformity(logs: LogTraces, p, z, term: str, lam: float, trace_term: bool,
                scaled_identity: bool) -> torch.Tensor:
    dim = logs.grams.dim
    weight = lam / dim if scaled_identity else lam
    value = -weight * logs.cross(p, z, term)
    if trace_term:
        value = value + logs.grams.trace_cross(p, z) + logs.mu * dim
    return value


def _alignment(logs: LogTraces, p, z, term: str, trace_term: bool,
               divergence: str) -> torch.Tensor:
    grams, dim, mu = logs.grams, logs.grams.dim, logs.mu
    value = -logs.cov_log_cov(p, z, mu, term)
    if divergence == 'mkl':
        # MKL(P||Q) = tr(P log P) - tr(P log Q) - tr(P) + tr(Q)
        value = (value + logs.cov_log_cov(p, p, mu, term)
                 - (grams.trace_cov(p) + mu * dim) + (grams.trace_cov(z) + mu * dim))
    elif trace_term:
        value = value + grams.trace_cov(z) + mu * dim
    return value


def _pair_traces(p, z, mu, order, log_method, check_convergence) -> LogTraces:
    check_tensor(p, 'p', min_rows=2)
    check_tensor(z, 'z', min_rows=2)
    check_same_shape([p, z], ['p', 'z'])
    check_matrix_ssl_settings(mu=mu, order=order, log_method=log_method)
    return LogTraces(CentredGrams([p, z]), mu, order, log_method, check_convergence)


@full_precision
def matrix_uniformity(p: torch.Tensor, z: torch.Tensor, lam: float = 1.0, mu: float = 1.0,
                      order: int = 4, log_method: str = 'taylor', trace_term: bool = False,
                      scaled_identity: bool = False,
                      check_convergence: bool = True) -> torch.Tensor:
    r"""Matrix uniformity :math:`\operatorname{MCE}(\lambda I_d, C(p, z) + \mu I_d)` of one pair.

    The definition on the rows as given (no normalisation, no symmetrisation): the
    building block :func:`matrix_ssl_terms` applies to both view pairings.

    Args:
        p (Tensor): target features :math:`(m, d)`.
        z (Tensor): online features :math:`(m, d)`.
        lam (float): :math:`\lambda`. Defaults to 1.
        mu (float): :math:`\mu > 0`. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` (reference) or ``'eigh'`` (exact, via
            :math:`\log\det`). Defaults to ``'taylor'``.
        trace_term (bool): add :math:`\operatorname{tr}(C(p,z) + \mu I)`.
            Defaults to False (reference script).
        scaled_identity (bool): use :math:`\frac{\lambda}{d} I_d` (paper).
            Defaults to False.
        check_convergence (bool): raise if the Taylor series diverges.

    Returns:
        Tensor: scalar.
    """
    logs = _pair_traces(p, z, mu, order, log_method, check_convergence)
    return _uniformity(logs, p, z, 'uniformity(p, z)', float(lam), trace_term, scaled_identity)


@full_precision
def matrix_alignment(p: torch.Tensor, z: torch.Tensor, mu: float = 1.0, order: int = 4,
                     log_method: str = 'taylor', trace_term: bool = False,
                     divergence: str = 'mce', check_convergence: bool = True) -> torch.Tensor:
    r"""Matrix alignment :math:`\operatorname{MCE}(C(p,p) + \mu I, C(z,z) + \mu I)` of one pair.

    The definition on the rows as given, like :func:`matrix_uniformity`.

    Args:
        p (Tensor): target features :math:`(m, d)`.
        z (Tensor): online features :math:`(m, d)`.
        mu (float): :math:`\mu > 0`. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'``. Defaults to ``'taylor'``.
        trace_term (bool): add :math:`\operatorname{tr}(C(z,z) + \mu I)` (full
            MCE). Defaults to False (reference script).
        divergence (str): ``'mce'`` (published) or ``'mkl'`` (matrix KL, which
            always includes its trace terms). Defaults to ``'mce'``.
        check_convergence (bool): raise if the Taylor series diverges.

    Returns:
        Tensor: scalar.
    """
    check_choice(divergence, 'divergence', DIVERGENCES)
    logs = _pair_traces(p, z, mu, order, log_method, check_convergence)
    return _alignment(logs, p, z, 'alignment(p, z)', trace_term, divergence)


@full_precision
def matrix_ssl_terms(z1: torch.Tensor, z2: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor,
                     lam: float = 1.0, mu: float = 1.0, order: int = 4,
                     log_method: str = 'taylor', trace_term: bool = False,
                     scaled_identity: bool = False, divergence: str = 'mce',
                     terms=TERMS, check_convergence: bool = True) -> dict:
    r"""The two Matrix-SSL terms, each averaged over the two view pairings.

    .. math::
        \mathcal U = \tfrac12[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)], \quad
        \mathcal A = \tfrac12[\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2)]

    on L2-normalised rows (module docstring); :func:`matrix_ssl_loss` is
    :math:`\mathcal U + \gamma \mathcal A`. The terms asked for share one set of
    Gram matrices. With the defaults it equals the reference ``main_pretrain.py``
    (``mce_lambd = mce_mu = 1``, order 4).

    Args:
        z1, z2 (Tensor): online predictions of views 1, 2, :math:`(m, d)`, already
            gathered across processes if the batch is split.
        p1, p2 (Tensor): target projections of views 1, 2, :math:`(m, d)` (detach
            them yourself if they must not receive gradients).
        lam (float): uniformity identity weight :math:`\lambda`. Defaults to 1.
        mu (float): identity shift :math:`\mu > 0`. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'`` (exact). Defaults to ``'taylor'``.
        trace_term (bool): full MCE with :math:`+\operatorname{tr}(Q)`. Defaults to False.
        scaled_identity (bool): paper's :math:`\frac{\lambda}{d} I_d`. Defaults to False.
        divergence (str): of the alignment term, ``'mce'`` or ``'mkl'``.
            Defaults to ``'mce'``.
        terms (Sequence[str]): which of ``'uniformity'``, ``'alignment'`` to compute.
            Defaults to both.
        check_convergence (bool): raise ``ValueError`` if the Taylor series
            diverges (spectral radius of :math:`Q - I \ge 1`); a cheap trace bound
            is tried first, the eigenvalues only when it fails. Defaults to True.

    Returns:
        dict[str, Tensor]: a scalar per requested term, keyed ``'uniformity'`` /
        ``'alignment'``.

    Raises:
        ValueError: wrong ranks or shapes, non-finite features, fewer than 2
            samples, :math:`d < 2`, bad settings, Taylor divergence.
    """
    names = ('z1', 'z2', 'p1', 'p2')
    tensors = (z1, z2, p1, p2)
    for name, tensor in zip(names, tensors):
        check_tensor(tensor, name)
    check_same_shape(tensors, names)
    num_samples, dim = z1.shape
    if dim < 2:
        raise ValueError(f'feature dimension d={dim}: the matrix terms of a 1-D '
                         'feature are degenerate; Matrix-SSL needs d >= 2 (the projector / '
                         'predictor out_channels)')
    if num_samples < 2:
        raise ValueError(
            f'the batch covariance needs at least 2 samples, got {num_samples} (shape '
            f'{tuple(z1.shape)}); increase the batch size or gather across processes first')
    check_matrix_ssl_settings(lam=lam, mu=mu, order=order, log_method=log_method,
                              divergence=divergence)
    terms = tuple(terms)
    for term in terms:
        check_choice(term, 'term', TERMS)
    z1, z2, p1, p2 = (F.normalize(t, dim=1) for t in tensors)
    logs = LogTraces(CentredGrams([z1, z2, p1, p2]), mu, order, log_method, check_convergence)
    out = {}
    if 'uniformity' in terms:
        out['uniformity'] = 0.5 * (
            _uniformity(logs, p2, z1, 'uniformity(p2, z1)', float(lam), trace_term,
                        scaled_identity)
            + _uniformity(logs, p1, z2, 'uniformity(p1, z2)', float(lam), trace_term,
                          scaled_identity))
    if 'alignment' in terms:
        out['alignment'] = 0.5 * (
            _alignment(logs, p2, z1, 'alignment(p2, z1)', trace_term, divergence)
            + _alignment(logs, p1, z2, 'alignment(p1, z2)', trace_term, divergence))
    return out


def matrix_ssl_loss(z1: torch.Tensor, z2: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor,
                    gamma: float = 1.0, **settings) -> torch.Tensor:
    r"""The Matrix-SSL loss :math:`\mathcal U + \gamma \mathcal A`.

    The formulas: docs/advanced_guides/math.md section 3.

    A view of :func:`matrix_ssl_terms` (same arguments, ``settings``) with the
    alignment weight :math:`\gamma \ge 0` (default 1, the reference script).
    """
    check_positive(gamma, 'gamma', allow_zero=True)
    terms = matrix_ssl_terms(z1, z2, p1, p2, **settings)
    return terms['uniformity'] + gamma * terms['alignment']
