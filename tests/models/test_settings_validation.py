"""Nonsense settings fail when the model is built, naming the value and the valid range."""
import pytest

import mssl_plugin  # noqa: F401
from mmpretrain.registry import MODELS


def build_loss(**kwargs):
    return MODELS.build(dict(type='MatrixSSLLoss', **kwargs))


TERM_LOSSES = ['MatrixUniformityLoss', 'MatrixAlignmentLoss']


@pytest.mark.parametrize('kwargs', [
    dict(mu=1e-6), dict(mu=1.999), dict(mu=2.0, log_method='eigh'), dict(mu=50.0,
                                                                         log_method='eigh'),
    dict(lam=0.0), dict(gamma=0.0), dict(order=1), dict(loss_weight=1e-9)])
def test_matrix_ssl_loss_accepts_the_edges_of_its_ranges(kwargs):
    build_loss(**kwargs)


@pytest.mark.parametrize('kwargs, message', [
    (dict(mu=0.0), r'mu must be finite and > 0, got 0.0'),
    (dict(mu=-1.0), r'mu must be finite and > 0, got -1.0'),
    (dict(mu=2.0), r'mu=2.0: the Taylor series .* diverges for mu >= 2'),
    (dict(lam=-1e-9), r'lam must be finite and >= 0'),
    (dict(gamma=-0.5), r'gamma must be finite and >= 0, got -0.5'),
    (dict(order=0), r'Taylor order must be an integer >= 1, got 0'),
    (dict(log_method='svd'), r"log_method must be one of .* got 'svd'"),
    (dict(divergence='l2'), r"divergence must be one of .* got 'l2'"),
    (dict(loss_weight=-1.0), r'loss_weight must be a finite number > 0, got -1.0'),
    (dict(loss_weight=0.0), r'loss_weight must be a finite number > 0, got 0.0'),
])
def test_matrix_ssl_loss_refuses_nonsense_when_built(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_loss(**kwargs)


@pytest.mark.parametrize('loss_type', TERM_LOSSES)
@pytest.mark.parametrize('kwargs, message', [
    (dict(mu=0.0), r'mu must be finite and > 0, got 0.0'),
    (dict(mu=2.0), r'mu=2.0: the Taylor series .* diverges for mu >= 2'),
    (dict(order=0), r'Taylor order must be an integer >= 1, got 0'),
    (dict(loss_weight=0.0), r'loss_weight must be a finite number > 0, got 0.0'),
])
def test_term_losses_refuse_nonsense_when_built(loss_type, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MODELS.build(dict(type=loss_type, **kwargs))


def test_mmae_regulariser_ranges():
    MODELS.build(dict(type='MMAEUniformityLoss', mu=1e-9, loss_weight=0.0))
    MODELS.build(dict(type='MMAEUniformityLoss', reg='square', mu=0.0))  # mu unused there
    with pytest.raises(ValueError, match=r'mu must be a finite number > 0 .* got 0'):
        MODELS.build(dict(type='MMAEUniformityLoss', mu=0))
    with pytest.raises(ValueError, match=r'loss_weight must be a finite number >= 0, got -1'):
        MODELS.build(dict(type='MMAEUniformityLoss', loss_weight=-1))


def test_a_one_dimensional_predictor_is_refused_when_built():
    head = dict(type='MatrixSSLHead', loss=dict(type='MatrixSSLLoss'),
                predictor=dict(type='NonLinearNeck', in_channels=8, hid_channels=8,
                               out_channels=1, num_layers=2, with_avg_pool=False))
    with pytest.raises(ValueError, match='predictor outputs 1 feature'):
        MODELS.build(head)
