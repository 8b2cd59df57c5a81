r"""Traces of covariance polynomials in whichever of the batch or feature space is smaller.

With :math:`A = P/\sqrt m`, :math:`B = Z/\sqrt m` (centred rows), the covariances
are :math:`C(p, z) = A^\top B` (:math:`d \times d`). Since
:math:`\operatorname{tr}((A^\top B)^k) = \operatorname{tr}((B A^\top)^k)`, every
trace the losses need can be taken on :math:`m \times m` Gram matrices instead:

.. math::
    \operatorname{tr} C(p,z)^k &= \operatorname{tr} K_{pz}^k, \\
    \operatorname{tr}\left(C(p,p)\, C(z,z)^k\right) &=
        \operatorname{tr}\left(K_{pz}^\top K_{pz} K_{zz}^{k-1}\right) \quad (k \ge 1),

with :math:`K_{ab} = \frac1m \tilde A \tilde B^\top` (:math:`m \times m`). Building
them costs :math:`O(m^2 d)` and the powers :math:`O(m^3)`, against
:math:`O(d^3)` for the published :math:`d \times d` computation. When
:math:`m \ge d` the same quantities are taken on the :math:`d \times d`
covariances. :class:`CentredGrams` hides the choice.
"""
from typing import Optional

import torch

from .covariance import center_rows


class CentredGrams:
    """Pairwise second-moment matrices of centred features in the cheaper space.

    Keyed by the feature tensors themselves: ``grams.pair(p, z)`` is built once per
    object and reused by every term that needs it (uniformity and alignment share
    :math:`K_{pz}`).

    Args:
        features (Sequence[Tensor]): the :math:`(m, d)` feature matrices the terms use.
        batch_space (bool, optional): use :math:`m \\times m` Gram matrices
            (``True``) or :math:`d \\times d` covariances (``False``). Defaults to
            whichever is smaller (:func:`prefer_batch_space`).
    """

    def __init__(self, features, batch_space: Optional[bool] = None):
        features = list(features)
        self.num_samples, self.dim = features[0].shape
        self.batch_space = (prefer_batch_space(self.num_samples, self.dim)
                            if batch_space is None else batch_space)
        # id -> (tensor, centred): holding the tensor keeps its id from being reused
        self._centred = {id(f): (f, center_rows(f)) for f in features}
        self._pairs = {}

    def centred(self, a: torch.Tensor) -> torch.Tensor:
        try:
            return self._centred[id(a)][1]
        except KeyError:
            raise KeyError('CentredGrams: this tensor was not among the features it was '
                           'built from') from None

    def pair(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """:math:`K_{ab}` (batch space) or :math:`C(a, b)` (feature space)."""
        key = (id(a), id(b))
        if key not in self._pairs:
            left, right = self.centred(a), self.centred(b)
            if self.batch_space:
                self._pairs[key] = left @ right.mT / self.num_samples
            else:
                self._pairs[key] = left.mT @ right / self.num_samples
        return self._pairs[key]

    def trace_cov(self, a: torch.Tensor) -> torch.Tensor:
        r""":math:`\operatorname{tr} C(a, a) = \|\tilde a\|_F^2 / m` (either space)."""
        return self.centred(a).pow(2).sum() / self.num_samples

    def trace_cross(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        r""":math:`\operatorname{tr} C(a, b)`."""
        return (self.centred(a) * self.centred(b)).sum() / self.num_samples

    def cross_power_traces(self, a: torch.Tensor, b: torch.Tensor, order: int) -> list:
        r""":math:`[\operatorname{tr} C(a,b)^k]_{k=1..n}`."""
        return power_traces(self.pair(a, b), order)

    def product_power_traces(self, a: torch.Tensor, b: torch.Tensor, order: int) -> list:
        r""":math:`[\operatorname{tr}(C(a,a) C(b,b)^k)]_{k=1..n}`."""
        gram_b = self.pair(b, b)
        if self.batch_space:
            cross = self.pair(a, b)
            head = cross.mT @ cross  # K_ab^T K_ab
        else:
            head = self.pair(a, a) @ gram_b  # C(a,a) C(b,b)
        return mixed_traces(head, gram_b, order)


def prefer_batch_space(num_samples: int, dim: int) -> bool:
    """The :math:`m \\times m` space is cheaper when there are fewer samples than features."""
    return num_samples < dim


def power_traces(matrix: torch.Tensor, order: int) -> list:
    r""":math:`[\operatorname{tr} K^k]_{k=1..n}` with :math:`\lceil n/2 \rceil - 1` matrix products.

    Uses :math:`\operatorname{tr}(K^{a+b}) = \sum_{ij} (K^a)_{ij} (K^b)_{ji}`.
    """
    half = (order + 1) // 2
    powers = [matrix]
    for _ in range(half - 1):
        powers.append(powers[-1] @ matrix)
    traces = []
    for k in range(1, order + 1):
        if k <= half:
            traces.append(powers[k - 1].diagonal().sum())
        else:
            traces.append((powers[half - 1] * powers[k - half - 1].mT).sum())
    return traces


def mixed_traces(head: torch.Tensor, matrix: torch.Tensor, order: int) -> list:
    r""":math:`[\operatorname{tr}(H K^{k-1})]_{k=1..n}`."""
    traces = [head.diagonal().sum()]
    power = None
    for _ in range(1, order):
        power = matrix if power is None else power @ matrix
        traces.append((head * power.mT).sum())
    return traces
