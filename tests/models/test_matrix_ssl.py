import glob
import json
import math
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

import mssl_plugin  # noqa: F401
from mmpretrain.registry import MODELS
from mssl_plugin import functional as F
from tests import reference as ref
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


def total(out):
    """What mmengine's ``parse_losses`` optimises: the sum of every key holding "loss"."""
    return sum(v for k, v in out.items() if 'loss' in k)


class TestLossesFromConfig:

    def test_matrix_ssl_loss_equals_functional(self):
        branches = [torch.randn(16, 40, dtype=torch.float64) for _ in range(4)]
        for options in (dict(), dict(mu=0.8, trace_term=True, scaled_identity=True),
                        dict(divergence='mkl', log_method='eigh')):
            loss = MODELS.build(dict(type='MatrixSSLLoss', gamma=0.5, loss_weight=2.0,
                                     **options))
            out = loss(*branches)
            expected = F.matrix_ssl_terms(*branches, **options)
            assert set(out) == {'loss_uniformity', 'loss_alignment', 'uniformity', 'alignment'}
            torch.testing.assert_close(out['loss_uniformity'], 2.0 * expected['uniformity'])
            torch.testing.assert_close(out['loss_alignment'], 1.0 * expected['alignment'])
            torch.testing.assert_close(out['uniformity'], expected['uniformity'])
            torch.testing.assert_close(out['alignment'], expected['alignment'])
            torch.testing.assert_close(total(out),
                                       2.0 * F.matrix_ssl_loss(*branches, gamma=0.5, **options))

    def test_term_losses_add_up_to_the_combined_loss(self):
        branches = [torch.randn(12, 30, dtype=torch.float64) for _ in range(4)]
        combined = MODELS.build(dict(type='MatrixSSLLoss', lam=0.5, gamma=3.0, trace_term=True,
                                     divergence='mkl'))
        uniformity = MODELS.build(dict(type='MatrixUniformityLoss', lam=0.5, trace_term=True))
        alignment = MODELS.build(dict(type='MatrixAlignmentLoss', trace_term=True,
                                      divergence='mkl', loss_weight=3.0))
        together = combined(*branches)
        apart = {**uniformity(*branches), **alignment(*branches)}
        assert set(apart) == set(together)
        for key in together:
            torch.testing.assert_close(apart[key], together[key])
        # float64 reference of each term from the formula: gamma 0 leaves the uniformity,
        # gamma 1 minus gamma 0 the alignment
        settings = dict(lam=0.5, trace_term=True, divergence='mkl')
        uniformity_only = ref.matrix_ssl_published(*branches, gamma=0.0, **settings)
        torch.testing.assert_close(apart['uniformity'], uniformity_only)
        torch.testing.assert_close(
            apart['alignment'],
            ref.matrix_ssl_published(*branches, gamma=1.0, **settings) - uniformity_only)

    def test_head_composes_term_losses_from_config(self):
        cfg = small_matrix_ssl_cfg().head
        combined = MODELS.build(cfg).eval()
        cfg.loss = [dict(type='MatrixUniformityLoss'), dict(type='MatrixAlignmentLoss')]
        composed = MODELS.build(cfg).eval()
        composed.predictor.load_state_dict(combined.predictor.state_dict())
        online = [torch.randn(10, 256) for _ in range(2)]
        target = [torch.randn(10, 256) for _ in range(2)]
        a, b = combined.loss(*online, *target), composed.loss(*online, *target)
        assert set(a) == set(b)
        for key in a:
            torch.testing.assert_close(a[key], b[key])
        cfg.loss = [dict(type='MatrixUniformityLoss'), dict(type='MatrixUniformityLoss')]
        with pytest.raises(ValueError, match="two losses both return 'loss_uniformity'"):
            MODELS.build(cfg).loss(*online, *target)
        cfg.loss = dict(type='CosineSimilarityLoss')  # mmpretrain's: (pred, target) -> Tensor
        with pytest.raises(TypeError):
            MODELS.build(cfg).loss(*online, *target)

    def test_deprecated_argument_names_still_build(self):
        with pytest.warns(DeprecationWarning, match=r'alignment=.*use divergence='):
            loss = MODELS.build(dict(type='MatrixSSLLoss', alignment='mkl'))
        assert loss.settings['divergence'] == 'mkl'
        with pytest.warns(DeprecationWarning, match=r'lamb=.*use loss_weight='):
            loss = MODELS.build(dict(type='MMAEUniformityLoss', lamb=0.5))
        assert loss.loss_weight == 0.5

    def test_head_equals_functional_on_predictions(self):
        head = MODELS.build(small_matrix_ssl_cfg().head)
        head.eval()  # BN in eval: the predictor is a fixed function of its input
        online = [torch.randn(10, 256) for _ in range(2)]
        target = [torch.randn(10, 256) for _ in range(2)]
        out = head.loss(*online, *target)
        z1, z2 = (head.predictor([o])[0] for o in online)
        expected = F.matrix_ssl_terms(z1, z2, *target)
        torch.testing.assert_close(total(out), F.matrix_ssl_loss(z1, z2, *target))
        torch.testing.assert_close(out['uniformity'], expected['uniformity'])
        assert out['loss_uniformity'].requires_grad and not out['uniformity'].requires_grad
        # mmengine sums every key containing "loss": only the weighted terms may contain it
        assert sorted(k for k in out if 'loss' in k) == ['loss_alignment', 'loss_uniformity']

    def test_head_logs_the_gradient_each_term_sends_to_the_projections(self):
        cfg = small_matrix_ssl_cfg().head
        cfg.loss.gamma = 0.5
        head = MODELS.build(dict(cfg, log_term_gradients=True)).eval()
        online = [torch.randn(10, 256, requires_grad=True) for _ in range(2)]
        target = [torch.randn(10, 256) for _ in range(2)]
        out = head.loss(*online, *target)
        z1, z2 = (head.predictor([o])[0] for o in online)
        terms = F.matrix_ssl_terms(z1, z2, *target)
        for name, weight in (('uniformity', 1.0), ('alignment', 0.5)):
            grads = torch.autograd.grad(weight * terms[name], online, retain_graph=True)
            expected = torch.cat([g.flatten() for g in grads]).norm()
            assert float(out[f'grad_norm_{name}']) == pytest.approx(float(expected), rel=1e-5)
        # logged, never summed
        assert sorted(k for k in out if 'loss' in k) == ['loss_alignment', 'loss_uniformity']
        total(out).backward()  # the extra backward kept the graph

    def test_shipped_imagenet_config_builds_the_same_objective_as_before_the_redesign(self):
        cfg = Config.fromfile(os.path.join(
            REPO, 'configs/matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'))
        torch.manual_seed(0)
        head = MODELS.build(cfg.model.head)
        head.init_weights()
        head.eval()  # SyncBN in eval runs on one CPU process
        generator = torch.Generator().manual_seed(1)
        online_and_target = [torch.randn(16, 2048, generator=generator) for _ in range(4)]
        out = head.loss(*online_and_target)
        # the value commit 88bc052 (before issue 14's redesign) gave on these inputs
        value = float(total(out).detach())
        assert value == pytest.approx(-0.6277377605438232, rel=1e-4)
        # and the published formula in float64 on the same predictions
        with torch.no_grad():
            z1, z2 = (head.predictor([o])[0].double() for o in online_and_target[:2])
        p1, p2 = (t.double() for t in online_and_target[2:])
        assert value == pytest.approx(float(ref.matrix_ssl_published(z1, z2, p1, p2)), rel=1e-5)

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
        assert set(values[0]) == {'loss_uniformity', 'loss_alignment', 'uniformity',
                                  'alignment'}
        assert math.isfinite(values[0]['loss_uniformity'] + values[0]['loss_alignment'])
        assert values[0]['loss_alignment'] == pytest.approx(values[0]['alignment'], rel=1e-6)

    def test_ema_target_follows_the_cosine_formula(self):
        max_iters = 10
        MessageHub.get_current_instance().update_info('max_iters', max_iters)
        model = build_small_model(base_momentum=0.1, end_momentum=0.0)
        optimizer = torch.optim.SGD(
            [p for n, p in model.named_parameters() if not n.startswith('target_net')], lr=0.5)
        views = preprocess(model, two_views())
        online = torch.nn.Sequential(model.backbone, model.neck)

        loss = total(model.loss(views, None))  # step 0: the target is a copy
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


BUILT = {}  # model dict -> model: schedule variants (100-1600e) share one model


def build_once(cfg, registry):
    key = (cfg.get('default_scope'), json.dumps(cfg.model.to_dict(), sort_keys=True, default=str))
    if key not in BUILT:
        BUILT[key] = registry.build(cpu_norms(cfg.model))
    return BUILT[key]


@pytest.mark.parametrize('path', CONFIGS, ids=[os.path.relpath(c, REPO) for c in CONFIGS])
def test_every_config_builds_on_cpu(path):
    cfg = Config.fromfile(path)
    assert 'mssl_plugin' in cfg.custom_imports.imports
    assert cfg.custom_imports.allow_failed_imports is False
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.registry import MODELS as DET_MODELS
        from mmengine.registry import init_default_scope
        init_default_scope('mmdet')
        model = build_once(cfg, DET_MODELS)
        assert model.roi_head.with_mask
        return
    model = build_once(cfg, MODELS)
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
