"""The M-MAE linear / fine-tune configs load ViT backbones strictly (no silent random init)."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mssl_plugin  # noqa: F401
from mmpretrain.registry import MODELS
from tests.helpers import DEMO_CONFIG, REPO

MMAE_CONFIG = os.path.join(REPO, 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py')
LINEAR_CONFIG = os.path.join(REPO, 'configs/m_mae/benchmarks/'
                                   'vit-tiny-p4_1xb64-linear-coslr-10e_digits.py')


def saved_model(config, path):
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model.state_dict()


def linear_backbone(checkpoint):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(LINEAR_CONFIG)
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.backbone


def test_mmae_checkpoint_loads_with_its_position_embedding(tmp_path):
    path = tmp_path / 'mmae.pth'
    saved = saved_model(MMAE_CONFIG, path)
    backbone = linear_backbone(str(path))
    # applied after the children's init (type 'Pretrained'): nothing re-draws what it loaded
    torch.testing.assert_close(backbone.pos_embed, saved['backbone.pos_embed'])
    torch.testing.assert_close(backbone.layers[0].ffn.layers[1].weight,
                               saved['backbone.layers.0.ffn.layers.1.weight'])


def test_wrong_or_missing_vit_checkpoint_is_an_error(tmp_path):
    resnet = tmp_path / 'matrix_ssl.pth'
    saved_model(DEMO_CONFIG, resnet)
    with pytest.raises(ValueError, match='does not fit VisionTransformer: 0/'):
        linear_backbone(str(resnet))
    with pytest.raises(ValueError, match='no pretrained backbone given'):
        linear_backbone('')


@pytest.mark.parametrize('config', sorted(glob.glob(
    os.path.join(REPO, 'configs/m_mae/benchmarks/vit-*_in1k.py'))), ids=os.path.basename)
def test_every_vit_benchmark_config_loads_strictly(config):
    init_cfg = Config.fromfile(config).model.backbone.init_cfg
    assert init_cfg.type == 'Pretrained' and init_cfg.strict and init_cfg.prefix == 'backbone.'
    if 'linear' in config:
        assert not init_cfg.get('ignore_missing')
    else:  # fine-tuning adds the norm after average pooling, nothing else
        assert tuple(init_cfg.ignore_missing) == ('ln2.', )


def test_old_initializer_name_still_loads_with_a_deprecation_warning(tmp_path):
    path = tmp_path / 'mmae.pth'
    saved = saved_model(MMAE_CONFIG, path)
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(LINEAR_CONFIG)
    cfg.model.backbone.init_cfg = dict(type='MsslPretrained', checkpoint=str(path),
                                       prefix='backbone.')
    with pytest.warns(DeprecationWarning, match="type='Pretrained', strict=True"):
        model = MODELS.build(cfg.model)
        model.init_weights()
    torch.testing.assert_close(model.backbone.layers[1].attn.qkv.weight,
                               saved['backbone.layers.1.attn.qkv.weight'])
