r"""The Matrix-SSL objective ("Matrix Information Theory for Self-Supervised Learning", ICML 2024).

With :math:`C(a, b) = \frac1m a^\top J_m b` on L2-normalised rows,

.. math::
    \mathcal U(p, z) &= \operatorname{tr}\left(-\lambda I_d \log(C(p, z) + \mu I_d)\right)
        \ [+ \operatorname{tr}(C(p,z) + \mu I_d)] \\
    \mathcal A(p, z) &= \operatorname{tr}\left(-(C(p,p) + \mu I_d) \log(C(z, z) + \mu I_d)\right)
        \ [+ \operatorname{tr}(C(z,z) + \mu I_d)] \\
    \mathcal L &= \tfrac12\left[\mathcal U(p_2, z_1) + \mathcal U(p_1, z_2)
        + \gamma(\mathcal A(p_2, z_1) + \mathcal A(p_1, z_2))\right]

where :math:`z_i` are online predictor outputs and :math:`p_i` target outputs.
The reference script uses the order-4 Taylor log, no bracketed trace terms and
:math:`\lambda I_d`; the paper writes the full MCE (``trace_term=True``) with
:math:`\frac{\lambda}{d} I_d` (``scaled_identity=True``). ``alignment='mkl'``
replaces MCE by :math:`\operatorname{MKL}(C(p,p)+\mu I \,\|\, C(z,z)+\mu I)`.

All traces are computed in the :math:`m \times m` batch space when
:math:`m < d` (see :mod:`.batch_space`), so one call costs :math:`O(m^2 d)`.
"""
import math

import torch
import torch.nn.functional as F

from ._checks import (check_choice, check_order, check_positive, check_same_shape,
                      check_tensor, full_precision)
from .batch_space import SpaceGram
from .distributed import gather_rows
from .matrix_log import LOG_METHODS, spectral_radius, taylor_log_coefficients
from .spectral import symmetric_matrix_function

ALIGNMENTS = ('mce', 'mkl')


def _log1p_ratio(x: torch.Tensor) -> torch.Tensor:
    """:math:`\\log(1 + x) / x`, equal to 1 at 0."""
    small = x.abs() < 1e-4
    safe = torch.where(small, torch.ones_like(x), x)
    series = 1 - x / 2 + x * x / 3
    return torch.where(small, series, torch.log1p(safe) / safe)


def _log1p_ratio_derivative(x: torch.Tensor) -> torch.Tensor:
    """Derivative of :math:`\\log(1 + x) / x`; a 10-term series near 0 avoids cancellation."""
    small = x.abs() < 0.1
    safe = torch.where(small, torch.ones_like(x), x)
    exact = (safe / (1 + safe) - torch.log1p(safe)) / (safe * safe)
    series = sum((-1) ** k * k / (k + 1) * x ** (k - 1) for k in range(1, 11))
    return torch.where(small, series, exact)


class _TermContext:
    """Settings shared by the uniformity and alignment terms of one call."""

    def __init__(self, gram: SpaceGram, mu: float, order: int, log_method: str,
                 check_convergence: bool):
        self.gram, self.mu, self.order = gram, mu, order
        self.log_method, self.check_convergence = log_method, check_convergence
        self.coefficients = taylor_log_coefficients(order, mu - 1.0)

    # -- tr(log(C(a,b) + mu I)) -----------------------------------------------------------
    def trace_log_cross(self, a: str, b: str, term: str) -> torch.Tensor:
        gram, mu, dim = self.gram, self.mu, self.gram.dim
        if self.log_method == 'taylor':
            if self.check_convergence:
                self._check_cross(a, b, term)
            traces = gram.cross_power_traces(a, b, self.order)
            beta = self.coefficients
            return beta[0] * dim + sum(beta[k] * traces[k - 1] for k in range(1, self.order + 1))
        # exact: Re tr Log(C + mu I) = log|det(C + mu I)|. C(p, z) is not symmetric, so its
        # eigenvalues come in complex-conjugate pairs and, for small mu, some real ones may lie
        # below -mu (det < 0). The real part of the principal log is what the Taylor series
        # converges to wherever it converges (there every eigenvalue of C + mu I has a
        # positive real part and det > 0), so this is the Taylor objective's continuation,
        # defined for every non-singular C + mu I (docs/math.md, "exact log").
        # Sylvester: det(mu I_d + A^T B) = mu^d det(I_m + B A^T / mu)
        core = gram.pair(a, b)
        eye = torch.eye(core.shape[0], dtype=core.dtype, device=core.device)
        if gram.batch_space:
            _, logabs = torch.linalg.slogdet(eye + core / mu)
            value = dim * math.log(mu) + logabs
        else:
            _, value = torch.linalg.slogdet(core + mu * eye)
        if not bool(torch.isfinite(value.detach())):
            raise ValueError(
                f'{term}: C + mu*I is singular (an eigenvalue of C equals -mu={-mu}), so '
                f'tr(log(C + mu*I)) is -inf; change mu or use log_method="taylor"')
        return value

    # -- tr((C(a,a) + mu_a I) log(C(b,b) + mu I)) -----------------------------------------
    def trace_cov_log_cov(self, a: str, b: str, mu_a: float, term: str) -> torch.Tensor:
        gram, mu, dim = self.gram, self.mu, self.gram.dim
        trace_a = gram.trace_cov(a) + mu_a * dim
        if self.log_method == 'taylor':
            if self.check_convergence:
                self._check_psd(b, term)
            beta = self.coefficients
            traces_b = gram.cross_power_traces(b, b, self.order)
            traces_ab = gram.product_power_traces(a, b, self.order)
            return beta[0] * trace_a + sum(
                beta[k] * (traces_ab[k - 1] + mu_a * traces_b[k - 1])
                for k in range(1, self.order + 1))
        gram_b = gram.pair(b, b)
        if not gram.batch_space:
            eye = torch.eye(dim, dtype=gram_b.dtype, device=gram_b.device)
            log_q = symmetric_matrix_function(gram_b + mu * eye, torch.log, torch.reciprocal)
            return ((gram.pair(a, a) + mu_a * eye) * log_q).sum()
        # log(mu I + B^T B) = log(mu) I + B^T h(B B^T) B with h(x) = log(1 + x/mu) / x
        h_matrix = symmetric_matrix_function(
            gram_b, lambda x: _log1p_ratio(x / mu) / mu,
            lambda x: _log1p_ratio_derivative(x / mu) / (mu * mu))
        cross = gram.pair(a, b)
        inner = cross.mT @ cross + mu_a * gram_b
        return math.log(mu) * trace_a + (inner * h_matrix).sum()

    # -- convergence of the Taylor series -------------------------------------------------
    def _check_cross(self, a, b, term):
        shift = abs(self.mu - 1.0)
        # ||C(a,b)||_2 <= ||A||_F ||B||_F = sqrt(tr C(a,a) tr C(b,b)): O(md), usually enough
        bound = shift + float((self.gram.trace_cov(a) * self.gram.trace_cov(b)).detach().sqrt())
        if bound < 1:
            return
        # SpaceGram caches the pair with its graph for the loss; the check reads a detached view
        core = self.gram.pair(a, b).detach()
        eye = torch.eye(core.shape[0], dtype=core.dtype, device=core.device)
        radius = spectral_radius(core + (self.mu - 1.0) * eye)
        if self.gram.batch_space:  # C(a, b) is d x d with d > m: it also has zero eigenvalues
            radius = max(radius, shift)
        self._raise_if_divergent(radius, term)

    def _check_psd(self, b, term):
        shift = self.mu - 1.0
        # eigenvalues of C(b,b) lie in [0, tr C(b,b)]
        trace_b = float(self.gram.trace_cov(b).detach())
        if max(abs(shift), abs(trace_b + shift)) < 1:
            return
        evals = torch.linalg.eigvalsh(self.gram.pair(b, b).detach())
        radius = float((evals + shift).abs().max())
        if self.gram.batch_space:
            radius = max(radius, abs(shift))
        self._raise_if_divergent(radius, term)

    def _raise_if_divergent(self, radius, term):
        if radius >= 1:
            raise ValueError(
                f'{term}: the order-{self.order} Taylor series of log(C + mu*I) diverges, '
                f'spectral radius of C + (mu-1)*I is {radius:.4f} (must be < 1) with '
                f'mu={self.mu}. With L2-normalised rows 0 < mu < 2 keeps it below 1 unless '
                f'the features have collapsed; use log_method="eigh" for the exact log')


#: the order-k Taylor log converges for every input only below this mu (see below)
TAYLOR_MU_LIMIT = 2.0


def check_matrix_ssl_settings(lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0,
                              order: int = 4, log_method: str = 'taylor',
                              alignment: str = 'mce') -> None:
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
    check_choice(alignment, 'alignment', ALIGNMENTS)
    if log_method == 'taylor' and mu >= TAYLOR_MU_LIMIT:
        raise ValueError(
            f'mu={mu!r}: the Taylor series of log(C + mu*I) diverges for mu >= 2 (the zero '
            'eigenvalues of C give |mu - 1| >= 1); 0 < mu <= 1 always converges, 1 < mu < 2 '
            'only while the largest eigenvalue of C stays below 2 - mu; use '
            'log_method="eigh" for larger mu')


def _make_context(features: dict, mu, order, log_method, check_convergence) -> _TermContext:
    check_positive(mu, 'mu')
    check_order(order)
    check_choice(log_method, 'log_method', LOG_METHODS)
    first = next(iter(features.values()))
    batch_space = SpaceGram.prefer_batch_space(*first.shape)
    return _TermContext(SpaceGram(features, batch_space), float(mu), order, log_method,
                        check_convergence)


def _uniformity(ctx: _TermContext, p: str, z: str, lam: float, trace_term: bool,
                scaled_identity: bool) -> torch.Tensor:
    dim = ctx.gram.dim
    weight = lam / dim if scaled_identity else lam
    value = -weight * ctx.trace_log_cross(p, z, f'uniformity({p}, {z})')
    if trace_term:
        value = value + ctx.gram.trace_cross(p, z) + ctx.mu * dim
    return value


def _alignment(ctx: _TermContext, p: str, z: str, trace_term: bool,
               divergence: str) -> torch.Tensor:
    dim, mu = ctx.gram.dim, ctx.mu
    value = -ctx.trace_cov_log_cov(p, z, mu, f'alignment({p}, {z})')
    if divergence == 'mkl':
        # MKL(P||Q) = tr(P log P) - tr(P log Q) - tr(P) + tr(Q)
        value = (value + ctx.trace_cov_log_cov(p, p, mu, f'alignment({p}, {p})')
                 - (ctx.gram.trace_cov(p) + mu * dim) + (ctx.gram.trace_cov(z) + mu * dim))
    elif trace_term:
        value = value + ctx.gram.trace_cov(z) + mu * dim
    return value


def _check_pair(p, z, min_rows=2):
    check_tensor(p, 'p', min_rows=min_rows)
    check_tensor(z, 'z', min_rows=min_rows)
    check_same_shape([p, z], ['p', 'z'])


@full_precision
def matrix_uniformity(p: torch.Tensor, z: torch.Tensor, lam: float = 1.0, mu: float = 1.0,
                      order: int = 4, log_method: str = 'taylor', trace_term: bool = False,
                      scaled_identity: bool = False,
                      check_convergence: bool = True) -> torch.Tensor:
    r"""Matrix uniformity :math:`\operatorname{MCE}(\lambda I_d, C(p, z) + \mu I_d)`.

    Computed on the rows as given (no normalisation, no gathering; see
    :func:`matrix_ssl_loss` for the full objective).

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
    _check_pair(p, z)
    ctx = _make_context({'p': p, 'z': z}, mu, order, log_method, check_convergence)
    return _uniformity(ctx, 'p', 'z', float(lam), trace_term, scaled_identity)


@full_precision
def matrix_alignment(p: torch.Tensor, z: torch.Tensor, mu: float = 1.0, order: int = 4,
                     log_method: str = 'taylor', trace_term: bool = False,
                     divergence: str = 'mce', check_convergence: bool = True) -> torch.Tensor:
    r"""Matrix alignment :math:`\operatorname{MCE}(C(p,p) + \mu I, C(z,z) + \mu I)`.

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
    _check_pair(p, z)
    check_choice(divergence, 'divergence', ALIGNMENTS)
    ctx = _make_context({'p': p, 'z': z}, mu, order, log_method, check_convergence)
    return _alignment(ctx, 'p', 'z', trace_term, divergence)


@full_precision
def matrix_ssl_terms(z1: torch.Tensor, z2: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor,
                     lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0, order: int = 4,
                     log_method: str = 'taylor', trace_term: bool = False,
                     gather_distributed: bool = True, scaled_identity: bool = False,
                     alignment: str = 'mce', check_convergence: bool = True) -> dict:
    r"""The Matrix-SSL objective and its two terms; see :func:`matrix_ssl_loss`.

    Returns:
        dict[str, Tensor]: ``loss`` (= ``uniformity + gamma * alignment``),
        ``uniformity`` and ``alignment`` (each averaged over the two view pairings).
    """
    names = ('z1', 'z2', 'p1', 'p2')
    tensors = (z1, z2, p1, p2)
    for name, tensor in zip(names, tensors):
        check_tensor(tensor, name)
    check_same_shape(tensors, names)
    if z1.shape[1] < 2:
        raise ValueError(f'feature dimension d={z1.shape[1]}: the matrix terms of a 1-D '
                         'feature are degenerate; Matrix-SSL needs d >= 2 (the projector / '
                         'predictor out_channels)')
    check_matrix_ssl_settings(lam, mu, gamma, order, log_method, alignment)
    features = {}
    for name, tensor in zip(names, tensors):
        if gather_distributed:
            tensor = gather_rows(tensor)
        features[name] = F.normalize(tensor, dim=1)
    num_samples = features['z1'].shape[0]
    if num_samples < 2:
        raise ValueError(
            f'the batch covariance needs at least 2 samples, got {num_samples} '
            f'(local shape {tuple(z1.shape)}, gather_distributed={gather_distributed}); '
            f'increase the batch size or gather across processes')
    ctx = _make_context(features, mu, order, log_method, check_convergence)
    uniformity = 0.5 * (_uniformity(ctx, 'p2', 'z1', float(lam), trace_term, scaled_identity)
                        + _uniformity(ctx, 'p1', 'z2', float(lam), trace_term, scaled_identity))
    align = 0.5 * (_alignment(ctx, 'p2', 'z1', trace_term, alignment)
                   + _alignment(ctx, 'p1', 'z2', trace_term, alignment))
    return dict(loss=uniformity + gamma * align, uniformity=uniformity, alignment=align)


def matrix_ssl_loss(z1: torch.Tensor, z2: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor,
                    lam: float = 1.0, mu: float = 1.0, gamma: float = 1.0, order: int = 4,
                    log_method: str = 'taylor', trace_term: bool = False,
                    gather_distributed: bool = True, scaled_identity: bool = False,
                    alignment: str = 'mce', check_convergence: bool = True) -> torch.Tensor:
    r"""Matrix-SSL loss of docs/math.md section 3 (module docstring has the equation).

    Rows are gathered from all processes (exact gradients) and L2-normalised
    inside. With the defaults it equals the reference ``main_pretrain.py``
    (``mce_lambd = mce_mu = gamma = 1``, order 4).

    Args:
        z1, z2 (Tensor): online predictor outputs for views 1, 2, :math:`(m, d)`.
        p1, p2 (Tensor): target projector outputs for views 1, 2, :math:`(m, d)`
            (detach them yourself if they must not receive gradients).
        lam (float): uniformity identity weight :math:`\lambda`. Defaults to 1.
        mu (float): identity shift :math:`\mu > 0`. Defaults to 1.
        gamma (float): alignment weight :math:`\gamma`. Defaults to 1.
        order (int): Taylor order. Defaults to 4.
        log_method (str): ``'taylor'`` or ``'eigh'`` (exact). Defaults to ``'taylor'``.
        trace_term (bool): full MCE with :math:`+\operatorname{tr}(Q)`. Defaults to False.
        gather_distributed (bool): gather rows over ``torch.distributed``.
            Defaults to True (no-op without an initialised process group).
        scaled_identity (bool): paper's :math:`\frac{\lambda}{d} I_d`. Defaults to False.
        alignment (str): ``'mce'`` or ``'mkl'``. Defaults to ``'mce'``.
        check_convergence (bool): raise ``ValueError`` if the Taylor series
            diverges (spectral radius of :math:`Q - I \ge 1`); a cheap trace bound
            is tried first, the eigenvalues only when it fails. Defaults to True.

    Returns:
        Tensor: scalar loss.

    Raises:
        ValueError: wrong ranks or shapes, non-finite features, fewer than 2
            samples after gathering, bad hyper-parameters, Taylor divergence.
    """
    return matrix_ssl_terms(z1, z2, p1, p2, lam=lam, mu=mu, gamma=gamma, order=order,
                            log_method=log_method, trace_term=trace_term,
                            gather_distributed=gather_distributed,
                            scaled_identity=scaled_identity, alignment=alignment,
                            check_convergence=check_convergence)['loss']
