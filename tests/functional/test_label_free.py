"""RankMe and LiDAR against float64 references written from the papers' formulas."""
import pytest
import torch

from mssl_plugin.functional import lidar, rankme
from tests import reference


@pytest.mark.parametrize('shape', [(300, 32), (20, 64), (128, 128)])
def test_rankme_equals_the_formula(shape):
    torch.manual_seed(0)
    scales = torch.linspace(0.1, 3.0, shape[1], dtype=torch.float64)
    z = torch.randn(*shape, dtype=torch.float64) * scales
    assert float(rankme(z)) == pytest.approx(reference.rankme(z), rel=1e-10)
    assert float(rankme(z.float())) == pytest.approx(reference.rankme(z), rel=1e-4)


def test_rankme_counts_directions():
    torch.manual_seed(0)
    # k orthogonal directions of equal energy: RankMe = k (up to the eps terms)
    basis = torch.linalg.qr(torch.randn(64, 64, dtype=torch.float64))[0][:, :5]
    codes = torch.linalg.qr(torch.randn(400, 5, dtype=torch.float64))[0]
    assert float(rankme(codes @ basis.T)) == pytest.approx(5.0, abs=1e-3)
    assert float(rankme(torch.ones(50, 8))) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize('n,q,d', [(40, 4, 8), (12, 3, 16), (30, 2, 5)])
def test_lidar_equals_the_formula(n, q, d):
    torch.manual_seed(1)
    centres = torch.randn(n, 1, d, dtype=torch.float64) * torch.linspace(
        0.2, 2.0, d, dtype=torch.float64)
    e = centres + 0.3 * torch.randn(n, q, d, dtype=torch.float64)
    assert float(lidar(e)) == pytest.approx(reference.lidar(e), rel=1e-9)
    assert float(lidar(e, delta=1e-2, eps=1e-6)) == pytest.approx(
        reference.lidar(e, delta=1e-2, eps=1e-6), rel=1e-9)
    assert float(lidar(e.float())) == pytest.approx(reference.lidar(e), rel=1e-3)


def test_lidar_sees_discriminative_directions_only():
    torch.manual_seed(2)
    # images differ along 3 directions, the views vary only along the other 13:
    # the linear discriminant has 3 strong, equal directions
    n, q, d = 400, 8, 16
    centres = torch.zeros(n, 1, d, dtype=torch.float64)
    centres[..., :3] = torch.randn(n, 1, 3, dtype=torch.float64)
    noise = torch.zeros(n, q, d, dtype=torch.float64)
    noise[..., 3:] = torch.randn(n, q, 13, dtype=torch.float64)
    noise[..., :3] = 1e-2 * torch.randn(n, q, 3, dtype=torch.float64)
    assert float(lidar(centres + noise)) == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize('bad,message', [
    (torch.zeros(10, 4), 'all-zero'),
    (torch.ones(1, 4), 'at least 1|at least 2'),
    (torch.full((5, 3), float('nan')), 'non-finite'),
])
def test_rankme_rejects_bad_embeddings(bad, message):
    with pytest.raises(ValueError, match=message):
        rankme(bad)


@pytest.mark.parametrize('bad,message', [
    (torch.randn(10, 4), r'\(images, views, dim\)'),
    (torch.randn(10, 1, 4), '2 views'),
    (torch.randn(1, 5, 4), '2 images'),
])
def test_lidar_rejects_bad_embeddings(bad, message):
    with pytest.raises(ValueError, match=message):
        lidar(bad)
