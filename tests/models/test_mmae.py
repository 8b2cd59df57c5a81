import os

import pytest
import torch
from mmengine.config import Config

import mssl_plugin  # noqa: F401
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mssl_plugin import functional as F
from tests.helpers import REPO

TINY = os.path.join(REPO, 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py')


def tiny_cfg():
    return Config.fromfile(TINY).model


def build(cfg, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(n=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 3, 32, 32, generator=generator)
    samples = [DataSample().set_gt_label(i % 10) for i in range(n)]
    return images, samples


def grads_of(module):
    return [p.grad for p in module.parameters() if p.requires_grad]


class TestRegulariser:

    @pytest.mark.parametrize('options', [dict(), dict(reg='square', loss_weight=0.5),
                                         dict(centering=True, mu=1.0)])
    def test_loss_and_head_equal_functional(self, options):
        f = torch.randn(12, 40, dtype=torch.float64)
        loss = MODELS.build(dict(type='MMAEUniformityLoss', **options))
        kwargs = {k: v for k, v in options.items() if k != 'loss_weight'}
        expected = F.mmae_uniformity(f, **kwargs)
        out = loss(f)
        assert set(out) == {'loss_uniformity', 'uniformity'}
        torch.testing.assert_close(out['uniformity'], expected)
        torch.testing.assert_close(out['loss_uniformity'],
                                   options.get('loss_weight', 1e-2) * expected)
        head = MODELS.build(dict(type='MMAEUniformityHead', loss=dict(type='MMAEUniformityLoss',
                                                                      **options)))
        head_out = head.loss(f)
        torch.testing.assert_close(head_out['loss_uniformity'], out['loss_uniformity'])
        assert not head_out['uniformity'].requires_grad

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="reg must be one of .* got 'cube'"):
            MODELS.build(dict(type='MMAEUniformityLoss', reg='cube'))
        with pytest.raises(ValueError, match='loss_weight must be a finite number >= 0, got -1'):
            MODELS.build(dict(type='MMAEUniformityLoss', loss_weight=-1))
        cfg = tiny_cfg()
        cfg.reg_feature = 'max'
        with pytest.raises(ValueError, match="reg_feature must be one of .* got 'max'"):
            MODELS.build(cfg)


class TestMMAE:

    def test_weight_zero_equals_mmpretrain_mae(self):
        cfg = tiny_cfg()
        cfg.uniformity_head.loss.loss_weight = 0.0
        model = build(cfg)
        mae_cfg = cfg.copy()
        mae_cfg.type = 'MAE'
        for key in ('uniformity_head', 'probe_head', 'reg_feature'):
            mae_cfg.pop(key)
        mae = build(mae_cfg, seed=1)
        missing, unexpected = mae.load_state_dict(model.state_dict(), strict=False)
        assert not missing and all(k.startswith(('uniformity_head', 'probe_')) for k in unexpected)
        images, samples = batch()
        torch.manual_seed(7)  # same random mask in both
        ours = model.loss(images, samples)
        torch.manual_seed(7)
        theirs = mae.loss(images, samples)
        assert ours['loss_uniformity'].item() == 0.0
        torch.testing.assert_close(ours['loss_rec'] + ours['loss_uniformity'], theirs['loss'])
        assert ours['uniformity'].item() < 0  # the value is still computed and logged

    def test_losses_and_logged_keys(self):
        model = build(tiny_cfg())
        images, samples = batch()
        out = model.loss(images, samples)
        assert set(out) == {'loss_rec', 'loss_uniformity', 'uniformity', 'loss_probe',
                            'probe_accuracy_top1'}
        torch.testing.assert_close(out['loss_uniformity'], 1e-2 * out['uniformity'])
        # the regulariser is exactly the functional one on the CLS feature of the visible patches
        torch.manual_seed(3)
        latent, _, _ = model.backbone(images)
        torch.manual_seed(3)
        again = model.loss(images, samples)
        torch.testing.assert_close(again['uniformity'], F.mmae_uniformity(latent[:, 0]))
        assert 0 <= out['probe_accuracy_top1'].item() <= 100

    def test_probe_gradient_never_reaches_the_encoder(self):
        model = build(tiny_cfg())
        images, samples = batch()
        out = model.loss(images, samples)
        out['loss_probe'].backward(retain_graph=True)
        assert all(g is None for g in grads_of(model.backbone))
        assert all(g is not None and g.abs().sum() > 0 for g in grads_of(model.probe_head))
        out['loss_uniformity'].backward()
        cls_grad = model.backbone.cls_token.grad
        assert cls_grad is not None and cls_grad.abs().sum() > 0

    def test_average_pooled_feature_option(self):
        cfg = tiny_cfg()
        cfg.reg_feature = 'avg'
        model = build(cfg)
        images, samples = batch()
        torch.manual_seed(3)
        latent, _, _ = model.backbone(images)
        torch.manual_seed(3)
        out = model.loss(images, samples)
        torch.testing.assert_close(out['uniformity'],
                                   F.mmae_uniformity(latent[:, 1:].mean(1)))

    def test_regulariser_runs_in_float32_under_autocast(self):
        model = build(tiny_cfg())
        images, samples = batch()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            torch.manual_seed(3)
            latent, _, _ = model.backbone(images)
            torch.manual_seed(3)
            out = model.loss(images, samples)
        assert out['uniformity'].dtype == torch.float32
        torch.testing.assert_close(out['uniformity'], F.mmae_uniformity(latent[:, 0].float()))
        # CPU autocast keeps LayerNorm in float32; give the head bf16 features explicitly
        features = latent[:, 0].detach().bfloat16()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            head_out = model.uniformity_head.loss(features)
        assert head_out['uniformity'].dtype == torch.float32
        torch.testing.assert_close(head_out['uniformity'],
                                   F.mmae_uniformity(features.float()))

    def test_probe_needs_labels(self):
        model = build(tiny_cfg())
        images, _ = batch()
        with pytest.raises(ValueError, match='online linear probe needs labels'):
            model.loss(images, [DataSample() for _ in range(len(images))])
