r"""The two traces the Matrix-SSL terms are made of, by Taylor series or exactly.

On the covariances :math:`C(a, b)` of :class:`~.batch_space.CentredGrams`:

.. math::
    \text{cross:}\quad & \operatorname{tr}\log(C(a, b) + \mu I_d) \\
    \text{cov-log-cov:}\quad & \operatorname{tr}\left((C(a, a) + \mu_a I_d)
        \log(C(b, b) + \mu I_d)\right)

``log_method='taylor'`` uses the order-:math:`n` series of :math:`\log` around
:math:`I` (the reference script), expanded so that only traces of powers of the
small Gram matrices are needed; ``'eigh'`` is the exact log (``slogdet`` for the
cross trace, an eigendecomposition for the symmetric one). With
``check_convergence`` the Taylor route raises ``ValueError`` where its series
diverges, trying an :math:`O(md)` trace bound before any eigenvalue.
"""
import math

import torch

from .batch_space import CentredGrams
from .matrix_log import taylor_log_coefficients
from .spectral import symmetric_matrix_function


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


# float32 eigenvalues of a covariance whose largest is exactly 1 come out a few ulps above
_BOUNDARY_TOLERANCE = 1e-5


class LogTraces:
    """Log-traces of covariances of one set of features, sharing their Gram matrices.

    Args:
        grams (CentredGrams): the features' Gram matrices.
        mu (float): identity shift :math:`\\mu > 0`.
        order (int): Taylor order :math:`n`.
        log_method (str): ``'taylor'`` or ``'eigh'``.
        check_convergence (bool): raise where the Taylor series diverges.

    Every method takes a ``term`` label that names the term in its errors.
    """

    def __init__(self, grams: CentredGrams, mu: float, order: int, log_method: str,
                 check_convergence: bool):
        self.grams, self.mu, self.order = grams, float(mu), order
        self.log_method, self.check_convergence = log_method, check_convergence
        self.coefficients = taylor_log_coefficients(order, self.mu - 1.0)

    def cross(self, a: torch.Tensor, b: torch.Tensor, term: str) -> torch.Tensor:
        r""":math:`\operatorname{tr}\log(C(a, b) + \mu I_d)` (real part for the exact log)."""
        grams, mu, dim = self.grams, self.mu, self.grams.dim
        if self.log_method == 'taylor':
            if self.check_convergence:
                self._check_cross(a, b, term)
            traces = grams.cross_power_traces(a, b, self.order)
            beta = self.coefficients
            return beta[0] * dim + sum(beta[k] * traces[k - 1] for k in range(1, self.order + 1))
        # exact: Re tr Log(C + mu I) = log|det(C + mu I)|. C(p, z) is not symmetric, so its
        # eigenvalues come in complex-conjugate pairs and, for small mu, some real ones may lie
        # below -mu (det < 0). The real part of the principal log is what the Taylor series
        # converges to wherever it converges (there every eigenvalue of C + mu I has a
        # positive real part and det > 0), so this is the Taylor objective's continuation,
        # defined for every non-singular C + mu I (docs/advanced_guides/math.md, "exact log").
        # Sylvester: det(mu I_d + A^T B) = mu^d det(I_m + B A^T / mu)
        core = grams.pair(a, b)
        eye = torch.eye(core.shape[0], dtype=core.dtype, device=core.device)
        if grams.batch_space:
            _, logabs = torch.linalg.slogdet(eye + core / mu)
            value = dim * math.log(mu) + logabs
        else:
            _, value = torch.linalg.slogdet(core + mu * eye)
        if not bool(torch.isfinite(value.detach())):
            raise ValueError(
                f'{term}: C + mu*I is singular (an eigenvalue of C equals -mu={-mu}), so '
                f'tr(log(C + mu*I)) is -inf; change mu or use log_method="taylor"')
        return value

    def cov_log_cov(self, a: torch.Tensor, b: torch.Tensor, mu_a: float,
                    term: str) -> torch.Tensor:
        r""":math:`\operatorname{tr}((C(a,a) + \mu_a I_d) \log(C(b,b) + \mu I_d))`."""
        grams, mu, dim = self.grams, self.mu, self.grams.dim
        trace_a = grams.trace_cov(a) + mu_a * dim
        if self.log_method == 'taylor':
            if self.check_convergence:
                self._check_psd(b, term)
            beta = self.coefficients
            traces_b = grams.cross_power_traces(b, b, self.order)
            traces_ab = grams.product_power_traces(a, b, self.order)
            return beta[0] * trace_a + sum(
                beta[k] * (traces_ab[k - 1] + mu_a * traces_b[k - 1])
                for k in range(1, self.order + 1))
        gram_b = grams.pair(b, b)
        if not grams.batch_space:
            eye = torch.eye(dim, dtype=gram_b.dtype, device=gram_b.device)
            log_q = symmetric_matrix_function(gram_b + mu * eye, torch.log, torch.reciprocal)
            return ((grams.pair(a, a) + mu_a * eye) * log_q).sum()
        # log(mu I + B^T B) = log(mu) I + B^T h(B B^T) B with h(x) = log(1 + x/mu) / x
        h_matrix = symmetric_matrix_function(
            gram_b, lambda x: _log1p_ratio(x / mu) / mu,
            lambda x: _log1p_ratio_derivative(x / mu) / (mu * mu))
        cross = grams.pair(a, b)
        inner = cross.mT @ cross + mu_a * gram_b
        return math.log(mu) * trace_a + (inner * h_matrix).sum()

    # -- convergence of the Taylor series -------------------------------------------------
    def _check_cross(self, a, b, term):
        shift = abs(self.mu - 1.0)
        # ||C(a,b)||_2 <= ||A||_F ||B||_F = sqrt(tr C(a,a) tr C(b,b)): O(md), usually enough
        bound = shift + float((self.grams.trace_cov(a) * self.grams.trace_cov(b)).detach().sqrt())
        if bound < 1:
            return
        # CentredGrams caches the pair with its graph for the loss: the check reads it detached
        core = self.grams.pair(a, b).detach()
        eye = torch.eye(core.shape[0], dtype=core.dtype, device=core.device)
        with torch.no_grad():
            eigenvalues = torch.linalg.eigvals(core + (self.mu - 1.0) * eye)
        radius = float(eigenvalues.abs().max())
        if self.grams.batch_space:  # C(a, b) is d x d with d > m: it also has zero eigenvalues
            radius = max(radius, shift)
        # on the unit circle the series converges everywhere but at -1 (log 0)
        at_minus_one = float((eigenvalues + 1).abs().min()) <= _BOUNDARY_TOLERANCE
        if radius > 1 + _BOUNDARY_TOLERANCE or at_minus_one:
            self._raise_if_divergent(radius, term)

    def _check_psd(self, b, term):
        # log(1 + x) = x - x^2/2 + ... converges on (-1, 1]. The eigenvalues x of
        # C(b,b) + (mu-1) I lie in [mu-1, tr C(b,b) + mu-1] and mu > 0 keeps them above -1,
        # so only x > 1 diverges; x = 1 (two L2-normalised rows pointing apart: a batch of
        # 2 after a BatchNorm) converges, to log 2
        shift = self.mu - 1.0
        trace_b = float(self.grams.trace_cov(b).detach())
        if trace_b + shift <= 1 + _BOUNDARY_TOLERANCE:
            return
        evals = torch.linalg.eigvalsh(self.grams.pair(b, b).detach())
        largest = float((evals + shift).max())
        if largest > 1 + _BOUNDARY_TOLERANCE:
            self._raise_if_divergent(largest, term)

    def _raise_if_divergent(self, radius, term):
        raise ValueError(
            f'{term}: the order-{self.order} Taylor series of log(C + mu*I) diverges, '
            f'spectral radius of C + (mu-1)*I is {radius:.4f} (must be at most 1, with no '
            f'eigenvalue at -1) with mu={self.mu}. With L2-normalised rows 0 < mu <= 1 '
            f'always converges; use log_method="eigh" for the exact log')
