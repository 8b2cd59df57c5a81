import glob
import math
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

import mssl_plugin  # noqa: F401
from mmpretrain.registry import MODELS
from mssl_plugin import functional as F
from tests.helpers import REPO, cpu_norms, small_matrix_ssl_cfg, two_views


def build_small_model(seed=0, **overrides):
    torch.manual_seed(seed)
    cfg = small_matrix_ssl_cfg()
    cfg.update(overrides)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def preprocess(model, views):
    return model.data_preprocessor(dict(inputs=views, data_samples=None), True)['inputs']


class TestLossesFromConfig:

    def test_matrix_ssl_loss_equals_functional(self):
        branches = [torch.randn(16, 40, dtype=torch.float64) for _ in range(4)]
        for options in (dict(), dict(gamma=0.5, mu=0.8, trace_term=True, scaled_identity=True),
                        dict(alignment='mkl', log_method='eigh')):
            loss = MODELS.build(dict(type='MatrixSSLLoss', loss_weight=2.0, **options))
            terms = loss(*branches)
            expected = F.matrix_ssl_terms(*branches, **options)
            torch.testing.assert_close(terms['loss'], 2.0 * expected['loss'])
            torch.testing.assert_close(terms['uniformity'], expected['uniformity'])
            torch.testing.assert_close(terms['alignment'], expected['alignment'])

    def test_term_losses_equal_functional(self):
        # the term losses use rows as given (the head normalises): unit rows keep Taylor convergent
        p, z = (torch.nn.functional.normalize(torch.randn(12, 30, dtype=torch.float64), dim=1)
                for _ in range(2))
        uniformity = MODELS.build(dict(type='MatrixUniformityLoss', lam=0.5, trace_term=True))
        alignment = MODELS.build(dict(type='MatrixAlignmentLoss', divergence='mkl',
                                      loss_weight=3.0))
        torch.testing.assert_close(uniformity(p, z), F.matrix_uniformity(p, z, lam=0.5,
                                                                         trace_term=True))
        torch.testing.assert_close(alignment(p, z),
                                   3.0 * F.matrix_alignment(p, z, divergence='mkl'))

    def test_head_equals_functional_on_predictions(self):
        head = MODELS.build(small_matrix_ssl_cfg().head)
        head.eval()  # BN in eval: the predictor is a fixed function of its input
        online = [torch.randn(10, 256) for _ in range(2)]
        target = [torch.randn(10, 256) for _ in range(2)]
        out = head.loss(*online, *target)
        z1, z2 = (head.predictor([o])[0] for o in online)
        expected = F.matrix_ssl_terms(z1, z2, *target)
        torch.testing.assert_close(out['loss'], expected['loss'])
        torch.testing.assert_close(out['uniformity'], expected['uniformity'])
        assert out['loss'].requires_grad and not out['uniformity'].requires_grad
        # mmengine sums every key containing "loss": only the total may contain it
        assert [k for k in out if 'loss' in k] == ['loss']

    def test_head_logs_the_gradient_each_term_sends_to_the_projections(self):
        cfg = small_matrix_ssl_cfg().head
        cfg.loss.gamma = 0.5
        head = MODELS.build(dict(cfg, log_term_gradients=True)).eval()
        online = [torch.randn(10, 256, requires_grad=True) for _ in range(2)]
        target = [torch.randn(10, 256) for _ in range(2)]
        out = head.loss(*online, *target)
        z1, z2 = (head.predictor([o])[0] for o in online)
        terms = F.matrix_ssl_terms(z1, z2, *target, gamma=0.5)
        for name, weight in (('uniformity', 1.0), ('alignment', 0.5)):
            grads = torch.autograd.grad(weight * terms[name], online, retain_graph=True)
            expected = torch.cat([g.flatten() for g in grads]).norm()
            assert float(out[f'grad_norm_{name}']) == pytest.approx(float(expected), rel=1e-5)
        assert [k for k in out if 'loss' in k] == ['loss']  # logged, never summed
        out['loss'].backward()  # the extra backward kept the graph

    def test_unknown_loss_type_is_reported(self):
        cfg = small_matrix_ssl_cfg().head
        cfg.loss = dict(type='MatrixSSLLossTypo')
        with pytest.raises(KeyError, match='MatrixSSLLossTypo'):
            MODELS.build(cfg)


class TestMatrixSSLAlgorithm:

    def test_loss_is_reproducible_with_a_fixed_seed(self):
        views = two_views()
        values = []
        for _ in range(2):
            model = build_small_model(seed=3)
            losses = model.loss(preprocess(model, views), None)
            values.append({k: v.item() for k, v in losses.items()})
        assert values[0] == values[1]
        assert math.isfinite(values[0]['loss'])
        assert set(values[0]) == {'loss', 'uniformity', 'alignment'}
        assert values[0]['loss'] == pytest.approx(values[0]['uniformity'] + values[0]['alignment'],
                                                  rel=1e-5)

    def test_ema_target_follows_the_cosine_formula(self):
        max_iters = 10
        MessageHub.get_current_instance().update_info('max_iters', max_iters)
        model = build_small_model(base_momentum=0.1, end_momentum=0.0)
        optimizer = torch.optim.SGD(
            [p for n, p in model.named_parameters() if not n.startswith('target_net')], lr=0.5)
        views = preprocess(model, two_views())
        online = torch.nn.Sequential(model.backbone, model.neck)

        loss = model.loss(views, None)['loss']  # step 0: the target is a copy
        for (name, target), source in zip(model.target_net.module.named_parameters(),
                                          online.parameters()):
            torch.testing.assert_close(target, source, msg=name)
        loss.backward()
        # the target gets no gradient; the predictor is not part of it
        assert all(p.grad is None and not p.requires_grad
                   for p in model.target_net.parameters())
        assert not any('predictor' in k for k in model.target_net.state_dict())
        assert sum(p.numel() for p in model.target_net.module.parameters()) == \
            sum(p.numel() for p in online.parameters())
        previous_target = [p.detach().clone() for p in model.target_net.module.parameters()]
        optimizer.step()
        new_online = [p.detach().clone() for p in online.parameters()]
        assert any(not torch.equal(a, b) for a, b in zip(previous_target, new_online))

        model.loss(views, None)  # step 1: target <- (1 - m_1) target + m_1 online
        m_1 = 0.0 - (0.0 - 0.1) * (math.cos(math.pi * 1 / max_iters) + 1) / 2
        for target, old, new in zip(model.target_net.module.parameters(), previous_target,
                                    new_online):
            torch.testing.assert_close(target, (1 - m_1) * old + m_1 * new)

    def test_bad_views_are_rejected(self):
        model = build_small_model()
        view = torch.zeros(4, 3, 32, 32)
        with pytest.raises(ValueError, match='exactly 2 views .* got 3'):
            model.loss([view, view, view], None)
        with pytest.raises(ValueError,
                           match=r'same shape, got \(4, 3, 32, 32\) and \(4, 3, 16, 16\)'):
            model.loss([view, torch.zeros(4, 3, 16, 16)], None)
        with pytest.raises(ValueError, match=r'base_momentum must lie in \[0, 1\]'):
            build_small_model(base_momentum=1.5)

    def test_non_finite_features_stop_with_term_and_iteration(self):
        MessageHub.get_current_instance().update_info('iter', 41)
        head = MODELS.build(small_matrix_ssl_cfg().head)
        bad = torch.randn(8, 256)
        bad[2, 5] = float('inf')
        expected = r'online projection \(view 1\) has 1 non-finite value\(s\) at iteration 41'
        with pytest.raises(FloatingPointError, match=expected):
            head.loss(bad, torch.randn(8, 256), torch.randn(8, 256), torch.randn(8, 256))
        model = build_small_model()
        views = preprocess(model, two_views())
        views[1][0, 0, 0, 0] = float('nan')
        with pytest.raises(FloatingPointError, match='iteration 41'):
            model.loss(views, None)


CONFIGS = sorted(f for f in glob.glob(os.path.join(REPO, 'configs/**/*.py'), recursive=True)
                 if '_base_' not in f)


@pytest.mark.parametrize('path', CONFIGS, ids=[os.path.relpath(c, REPO) for c in CONFIGS])
def test_every_config_builds_on_cpu(path):
    cfg = Config.fromfile(path)
    assert 'mssl_plugin' in cfg.custom_imports.imports
    assert cfg.custom_imports.allow_failed_imports is False
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.registry import MODELS as DET_MODELS
        from mmengine.registry import init_default_scope
        init_default_scope('mmdet')
        model = DET_MODELS.build(cpu_norms(cfg.model))
        assert model.roi_head.with_mask
        return
    model = MODELS.build(cpu_norms(cfg.model))
    assert sum(p.numel() for p in model.parameters()) > 0
    if cfg.model.type == 'MatrixSSL':
        if 'resnet50' in os.path.basename(path) or path.endswith('matrix_ssl_r50.py'):
            assert cfg.train_dataloader.batch_size == 128
            assert cfg.optim_wrapper.optimizer.lr == 2.0
            assert cfg.auto_scale_lr.base_batch_size == 1024
            assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
        model.eval()
        channels = cfg.model.backbone.get('in_channels', 3)
        with torch.no_grad():
            out = model.backbone(torch.zeros(2, channels, 32, 32))
        assert out[-1].shape[1] == cfg.model.neck.in_channels
