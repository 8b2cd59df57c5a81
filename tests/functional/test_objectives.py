"""Matrix-SSL objective and M-MAE regulariser against the published formulas."""
import math

import pytest
import torch

from mssl_plugin import functional as F
from tests import reference as ref

SHAPES = [(6, 16), (12, 12), (24, 5)]  # m < d (batch space), m = d, m > d (feature space)


def branches(m, d, dtype=torch.float64):
    return [torch.randn(m, d, dtype=dtype, requires_grad=True) for _ in range(4)]


def grads(value, inputs):
    return torch.autograd.grad(value, inputs)


class TestMatrixSSL:

    @pytest.mark.parametrize('m,d', SHAPES)
    @pytest.mark.parametrize('options', [
        dict(),
        dict(mu=0.6, lam=0.5, gamma=2.0, order=6),
        dict(trace_term=True, scaled_identity=True),
        dict(divergence='mkl'),
    ])
    def test_taylor_equals_published_formula(self, m, d, options):
        inputs = branches(m, d)
        value = F.matrix_ssl_loss(*inputs, **options)
        expected = ref.matrix_ssl_published(*inputs, **options)
        torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-10)
        for got, want in zip(grads(value, inputs), grads(expected, inputs)):
            torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-10)

    @pytest.mark.parametrize('m,d', SHAPES)
    @pytest.mark.parametrize('options', [dict(), dict(mu=0.5, trace_term=True),
                                         dict(divergence='mkl')])
    def test_exact_log_equals_eigendecomposition(self, m, d, options):
        inputs = branches(m, d)
        value = F.matrix_ssl_loss(*inputs, log_method='eigh', **options)
        expected = ref.matrix_ssl_published(*inputs, log='eigh', **options)
        torch.testing.assert_close(value, expected, rtol=1e-9, atol=1e-9)
        # torch.linalg.eigh's backward is NaN at the repeated eigenvalue mu of the d x d
        # reference, so the reference gradient is taken by central differences
        gradients = grads(value, inputs)
        detached = [t.detach() for t in inputs]
        for _ in range(3):
            directions = [torch.randn_like(t) for t in detached]
            eps = 1e-5
            plus = ref.matrix_ssl_published(
                *[t + eps * v for t, v in zip(detached, directions)], log='eigh', **options)
            minus = ref.matrix_ssl_published(
                *[t - eps * v for t, v in zip(detached, directions)], log='eigh', **options)
            numeric = (plus - minus) / (2 * eps)
            analytic = sum((g * v).sum() for g, v in zip(gradients, directions))
            torch.testing.assert_close(analytic, numeric, rtol=1e-6, atol=1e-8)

    @pytest.mark.parametrize('log_method', ['taylor', 'eigh'])
    @pytest.mark.parametrize('m,d', [(4, 6), (6, 3)])
    def test_gradcheck(self, log_method, m, d):
        inputs = tuple(branches(m, d))
        assert torch.autograd.gradcheck(
            lambda *x: F.matrix_ssl_loss(*x, log_method=log_method), inputs)

    def test_batch_space_equals_feature_space(self):
        # same data evaluated with m < d and with the roles forced: pad features with zeros
        inputs = [t.detach() for t in branches(10, 10)]
        ctx_value = F.matrix_ssl_loss(*inputs)
        padded = [torch.cat([t, torch.zeros(10, 30, dtype=t.dtype)], 1) for t in inputs]
        # zero columns add the constant identity part only: compare with the reference
        torch.testing.assert_close(F.matrix_ssl_loss(*padded), ref.matrix_ssl_published(*padded))
        torch.testing.assert_close(ctx_value, ref.matrix_ssl_published(*inputs))

    def test_terms_add_up(self):
        inputs = branches(8, 20)
        terms = F.matrix_ssl_terms(*inputs)
        torch.testing.assert_close(F.matrix_ssl_loss(*inputs, gamma=0.3),
                                   terms['uniformity'] + 0.3 * terms['alignment'])
        z1, z2, p1, p2 = [ref.normalize(t) for t in inputs]
        expected_u = 0.5 * (F.matrix_uniformity(p2, z1) + F.matrix_uniformity(p1, z2))
        expected_a = 0.5 * (F.matrix_alignment(p2, z1) + F.matrix_alignment(p1, z2))
        torch.testing.assert_close(terms['uniformity'], expected_u)
        torch.testing.assert_close(terms['alignment'], expected_a)
        # each term alone: the reference with the other one switched off
        detached = [t.detach() for t in inputs]
        alone_u = F.matrix_ssl_terms(*detached, terms=('uniformity', ))
        alone_a = F.matrix_ssl_terms(*detached, terms=('alignment', ))
        assert set(alone_u) == {'uniformity'} and set(alone_a) == {'alignment'}
        torch.testing.assert_close(alone_u['uniformity'],
                                   ref.matrix_ssl_published(*detached, gamma=0.0))
        torch.testing.assert_close(alone_a['alignment'],
                                   ref.matrix_ssl_published(*detached, lam=0.0))
        with pytest.raises(ValueError, match="term must be one of .* got 'uniform'"):
            F.matrix_ssl_terms(*detached, terms=('uniform', ))

    def test_rows_are_normalised_inside(self):
        inputs = [t.detach() for t in branches(8, 20)]
        scaled = [t * s for t, s in zip(inputs, (3.0, 0.2, 7.0, 1.5))]
        torch.testing.assert_close(F.matrix_ssl_loss(*inputs), F.matrix_ssl_loss(*scaled))

    def test_float32_matches_float64(self):
        inputs = [t.detach() for t in branches(64, 256)]
        value32 = F.matrix_ssl_loss(*[t.float() for t in inputs])
        assert value32.dtype == torch.float32
        assert value32.item() == pytest.approx(F.matrix_ssl_loss(*inputs).item(), rel=1e-5)

    def test_runs_in_float32_under_autocast(self):
        inputs = [t.detach().float() for t in branches(16, 32)]
        expected = F.matrix_ssl_loss(*inputs)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            value = F.matrix_ssl_loss(*[t.bfloat16() for t in inputs])
        assert value.dtype == torch.float32
        # bf16 inputs carry ~3 significant digits; the computation itself is float32
        assert value.item() == pytest.approx(expected.item(), rel=2e-2)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            same_inputs = F.matrix_ssl_loss(*inputs)
        assert same_inputs.item() == pytest.approx(expected.item(), rel=1e-6)

    def test_divergent_taylor_raises_with_radius(self):
        inputs = branches(8, 20)
        with pytest.raises(ValueError, match=r'mu=2.5: the Taylor series .* diverges for mu >= 2'):
            F.matrix_ssl_loss(*inputs, mu=2.5)
        # the single-pair definitions refuse the same settings the same way
        for single_pair in (F.matrix_uniformity, F.matrix_alignment):
            with pytest.raises(ValueError, match=r'mu=2.5: the Taylor series'):
                single_pair(inputs[2], inputs[0], mu=2.5)
        # below 2 the series is checked on the actual spectrum
        with pytest.raises(ValueError, match=r'uniformity\(p2, z1\).*spectral radius .* mu=1.99'):
            F.matrix_ssl_loss(*[3 * x for x in inputs], mu=1.99)
        # rows along +-v give C(z, z) = v v^T with eigenvalue exactly 1: the edge of the
        # series' interval (-1, 1], where it converges (to log 2). It happens in every batch
        # of 2 after a BatchNorm, and every loss path takes it the same way
        v = torch.zeros(1, 6, dtype=torch.float64)
        v[0, 0] = 1
        collapsed = torch.cat([v, -v] * 4)
        order4 = 1 - 1 / 2 + 1 / 3 - 1 / 4  # the order-4 series at x = 1
        # tr((C + I) log(C + I)) with C = v v^T: eigenvalue 2 once, 1 elsewhere
        assert F.matrix_alignment(collapsed, collapsed).item() == pytest.approx(-2 * order4)
        assert F.matrix_alignment(collapsed, collapsed, log_method='eigh').item() == \
            pytest.approx(-2 * math.log(2))
        for divergence in ('mce', 'mkl'):
            terms = F.matrix_ssl_terms(collapsed, collapsed, collapsed, collapsed,
                                       divergence=divergence)
            assert all(torch.isfinite(value) for value in terms.values())
        # beyond it the series diverges: mu = 1.5 moves that eigenvalue to 1.5
        with pytest.raises(ValueError, match=r'alignment\(p, z\).*diverges.*1\.5000'):
            F.matrix_alignment(collapsed, collapsed, mu=1.5)

    def test_bad_inputs(self):
        good = torch.randn(8, 16)
        with pytest.raises(ValueError, match=r'z1=\(8, 16\), z2=\(8, 16\), p1=\(8, 12\)'):
            F.matrix_ssl_loss(good, good, torch.randn(8, 12), good)
        with pytest.raises(ValueError, match=r'z1 must be 2-D .* got shape \(8, 4, 4\)'):
            F.matrix_ssl_loss(good.view(8, 4, 4), good, good, good)
        with pytest.raises(ValueError, match=r'at least 2 samples, got 1 \(shape \(1, 16\)\)'):
            one = torch.randn(1, 16)
            F.matrix_ssl_loss(one, one, one, one)
        bad = good.clone()
        bad[3, 2] = float('nan')
        with pytest.raises(ValueError, match='p2 contains 1 non-finite'):
            F.matrix_ssl_loss(good, good, good, bad)
        with pytest.raises(ValueError, match='mu must be finite and > 0, got -1.0'):
            F.matrix_ssl_loss(good, good, good, good, mu=-1.0)
        with pytest.raises(ValueError, match="log_method must be one of .* got 'svd'"):
            F.matrix_ssl_loss(good, good, good, good, log_method='svd')
        with pytest.raises(ValueError, match="divergence must be one of .* got 'l2'"):
            F.matrix_ssl_loss(good, good, good, good, divergence='l2')
        with pytest.raises(ValueError, match='gamma must be finite and >= 0, got -1.0'):
            F.matrix_ssl_loss(good, good, good, good, gamma=-1.0)
        with pytest.raises(ValueError, match='Taylor order must be an integer >= 1, got 0'):
            F.matrix_ssl_loss(good, good, good, good, order=0)


class TestMMAEUniformity:

    @pytest.mark.parametrize('m,d', SHAPES)
    @pytest.mark.parametrize('options', [
        dict(), dict(mu=1.0, centering=True), dict(reg='square')])
    def test_equals_published_formula(self, m, d, options):
        f = torch.randn(m, d, dtype=torch.float64, requires_grad=True)
        value = F.mmae_uniformity(f, **options)
        expected = ref.mmae_published(f, **options)
        torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(grads(value, [f])[0], grads(expected, [f])[0])

    def test_uniform_features_beat_collapsed(self):
        spread = torch.eye(8, dtype=torch.float64)
        collapsed = torch.ones(8, 8, dtype=torch.float64)
        assert F.mmae_uniformity(spread) < F.mmae_uniformity(collapsed)
        assert F.mmae_uniformity(spread, reg='square') < F.mmae_uniformity(collapsed, reg='square')
        # closed forms: f^T f = I_8 -> -8 log(1 + 3/8); collapsed: rank 1, -log(1 + 3 * 8 / 8)
        assert F.mmae_uniformity(spread).item() == pytest.approx(-8 * math.log(1 + 3 / 8))
        assert F.mmae_uniformity(collapsed).item() == pytest.approx(-math.log(4.0))

    def test_gradcheck(self):
        f = torch.randn(5, 7, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda t: F.mmae_uniformity(t, centering=True), (f, ))
        assert torch.autograd.gradcheck(lambda t: F.mmae_uniformity(t, reg='square'), (f, ))

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="reg must be one of .* got 'cube'"):
            F.mmae_uniformity(torch.randn(4, 3), reg='cube')
        with pytest.raises(ValueError, match='at least 2 samples, got 1'):
            F.mmae_uniformity(torch.randn(1, 3))
        with pytest.raises(ValueError, match='mu must be finite and >= 0'):
            F.mmae_uniformity(torch.randn(4, 3), mu=-3)
        with pytest.raises(ValueError, match=r'f must be 2-D .* got shape \(4, 3, 2\)'):
            F.mmae_uniformity(torch.randn(4, 3, 2))


@pytest.mark.parametrize('m,d', [(6, 16), (24, 5)])  # batch space and feature space
def test_exact_uniformity_for_small_mu_is_the_real_part_of_the_log(m, d):
    """With a small mu an anti-aligned pair gives det(C(p, z) + mu I) < 0: the exact log is
    Re tr Log = log|det|, the float64 value from the complex eigenvalues (the limit the
    Taylor series reaches wherever it converges)."""
    torch.manual_seed(1)
    p = F.center_rows(torch.randn(m, d, dtype=torch.float64))
    p = p / p.norm(dim=1, keepdim=True)
    z = (-p + 0.01 * torch.randn(m, d, dtype=torch.float64)).requires_grad_()
    q = ref.cov(p, z) + 0.02 * torch.eye(d, dtype=torch.float64)
    assert float(torch.linalg.det(q.detach())) < 0  # 5 eigenvalues below -mu
    value = F.matrix_uniformity(p, z, mu=0.02, log_method='eigh')
    expected = -torch.log(torch.linalg.eigvals(q)).sum().real
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-10)
    grad, = torch.autograd.grad(value, z)
    want, = torch.autograd.grad(expected, z)
    torch.testing.assert_close(grad, want, rtol=1e-8, atol=1e-10)


def test_exact_and_high_order_taylor_uniformity_agree_where_the_series_converges():
    torch.manual_seed(2)
    p, z = (torch.randn(8, 12, dtype=torch.float64) for _ in range(2))
    p, z = p / p.norm(dim=1, keepdim=True), z / z.norm(dim=1, keepdim=True)
    exact = F.matrix_uniformity(p, z, mu=0.7, log_method='eigh')
    series = F.matrix_uniformity(p, z, mu=0.7, order=60)
    torch.testing.assert_close(series, exact, rtol=1e-8, atol=1e-8)
