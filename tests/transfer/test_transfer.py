"""Backbone extraction and loading into mmdet / mmpretrain / torchvision models."""
import os
import re

import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mssl_plugin  # noqa: F401
from mssl_plugin.engine import StrictPretrainedInit
from tests import warm_python
from tests.helpers import REPO, cpu_norms, run_tool

BENCH = os.path.join(REPO, 'configs/matrix_ssl/benchmarks')
EXTRACT = 'tools/model_converters/extract_backbone_weights.py'


def build(cfg_path, checkpoint=None, shared_head=True):
    cfg = Config.fromfile(cfg_path)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    model_cfg = cpu_norms(cfg.model)
    if checkpoint is not None:
        model_cfg.backbone.init_cfg.checkpoint = str(checkpoint)
        if shared_head and model_cfg.get('roi_head', {}).get('shared_head') is not None:
            model_cfg.roi_head.shared_head.init_cfg.checkpoint = str(checkpoint)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    return MODELS.build(model_cfg)


@pytest.fixture(scope='module')
def training_checkpoint(tmp_path_factory):
    """A real plugin R50 checkpoint layout: online backbone, EMA target (made different)."""
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    cfg = cpu_norms(Config.fromfile(os.path.join(REPO, 'configs/matrix_ssl_r50.py')).model)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    state = model.state_dict()
    for key in state:
        if key.startswith('target_net.module.0.') and state[key].is_floating_point():
            state[key] = state[key] + 0.5
    path = tmp_path_factory.mktemp('ckpt') / 'epoch_100.pth'
    torch.save(dict(state_dict=state, meta=dict(epoch=100)), path)
    return path, state


def extract(args):
    result = run_tool([EXTRACT] + [str(a) for a in args])
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope='module')
def extracted(training_checkpoint, tmp_path_factory):
    path, _ = training_checkpoint
    out = tmp_path_factory.mktemp('out')
    for branch in ('online', 'target'):
        code, log = extract([path, out / f'{branch}.pth', '--branch', branch])
        assert code == 0, log
        assert re.search(r'(\d+)/\1 ResNet-50 keys matched', log), log
    code, log = extract([path, out / 'tv.pth', '--format', 'torchvision'])
    assert code == 0, log
    return out


@pytest.mark.parametrize('config', [
    'mask-rcnn_r50-c4_ms-1x_coco.py', 'mask-rcnn_r50-c4_ms-2x_coco.py',
    'mask-rcnn_r50_fpn_ms-1x_coco.py', 'mask-rcnn_r50_fpn_ms-2x_coco.py'])
def test_extracted_weights_load_into_mask_rcnn(config, training_checkpoint, extracted):
    _, state = training_checkpoint
    model = build(os.path.join(BENCH, config), extracted / 'online.pth')
    model.init_weights()
    backbone = model.backbone.state_dict()
    assert backbone, 'empty backbone'
    for key, value in backbone.items():
        torch.testing.assert_close(value, state['backbone.' + key], msg=key)
    if 'c4' in config:
        assert model.backbone.num_stages == 3
        head = model.roi_head.shared_head.state_dict()
        layer4 = {k: v for k, v in head.items() if k.startswith('layer4.')}
        assert len(layer4) == len([k for k in state if k.startswith('backbone.layer4.')])
        for key, value in layer4.items():
            torch.testing.assert_close(value, state['backbone.' + key], msg=key)


def test_target_branch_and_training_checkpoint_directly(training_checkpoint, extracted):
    path, state = training_checkpoint
    target = torch.load(extracted / 'target.pth', weights_only=True)['state_dict']
    for key, value in target.items():
        torch.testing.assert_close(value, state['target_net.module.0.' + key])
    # the strict init also reads a training checkpoint directly (prefix 'backbone.')
    model = build(os.path.join(BENCH, 'mask-rcnn_r50_fpn_ms-1x_coco.py'), path)
    model.init_weights()
    torch.testing.assert_close(model.backbone.conv1.weight, state['backbone.conv1.weight'])


def test_torchvision_format(extracted, training_checkpoint):
    _, state = training_checkpoint
    weights = torch.load(extracted / 'tv.pth', weights_only=True)
    resnet = torchvision.models.resnet50()
    result = resnet.load_state_dict(weights, strict=False)
    assert sorted(result.missing_keys) == ['fc.bias', 'fc.weight'] and not result.unexpected_keys
    torch.testing.assert_close(resnet.layer3[5].bn2.running_var,
                               state['backbone.layer3.5.bn2.running_var'])


def test_official_checkpoint_layout(tmp_path):
    resnet = torchvision.models.resnet50()
    state = {f'module.encoder.{k}': v for k, v in resnet.state_dict().items()
             if not k.startswith('fc.')}
    state['module.encoder.fc.0.weight'] = torch.zeros(2048, 2048)  # the projector
    state['module.predictor.0.weight'] = torch.zeros(512, 2048)
    state.update({f'module.teacher.{k}': v + 1 for k, v in resnet.state_dict().items()
                  if v.is_floating_point() and not k.startswith('fc.')})
    src = tmp_path / 'checkpoint_0099.pth.tar'
    torch.save(dict(epoch=100, arch='resnet50', state_dict=state), src)
    code, log = extract([src, tmp_path / 'out.pth'])
    assert code == 0, log
    out = torch.load(tmp_path / 'out.pth', weights_only=True)['state_dict']
    assert not any(k.startswith('fc.') for k in out)
    torch.testing.assert_close(out['layer1.0.conv1.weight'], resnet.layer1[0].conv1.weight)


def test_linear_evaluation_config_loads_the_backbone(training_checkpoint, extracted):
    _, state = training_checkpoint
    model = build(os.path.join(BENCH, 'resnet50_8xb512-linear-coslr-100e_in1k.py'),
                  extracted / 'online.pth')
    model.init_weights()
    torch.testing.assert_close(model.backbone.layer4[2].conv3.weight,
                               state['backbone.layer4.2.conv3.weight'])
    assert all(not p.requires_grad for p in model.backbone.parameters())
    model.train()
    out = model(torch.randn(2, 3, 64, 64), mode='tensor')
    assert out.shape == (2, 1000)
    assert not model.neck.bn.affine and model.neck.bn.eps == 1e-6


class TestRejections:

    def test_no_backbone_keys(self, tmp_path):
        src = tmp_path / 'other.pth'
        torch.save(dict(state_dict={'head.fc.weight': torch.zeros(2, 2)}), src)
        code, log = extract([src, tmp_path / 'out.pth'])
        assert code != 0
        assert 'no online backbone keys in the checkpoint' in log and 'head.fc.weight' in log
        assert not (tmp_path / 'out.pth').exists()

    def test_partial_backbone(self, tmp_path, training_checkpoint):
        _, state = training_checkpoint
        partial = {k: v for k, v in state.items() if not k.startswith('backbone.layer4.')}
        src = tmp_path / 'partial.pth'
        torch.save(dict(state_dict=partial), src)
        code, log = extract([src, tmp_path / 'out.pth'])
        assert code != 0
        assert 'partial backbone' in log and 'layer4.0.bn1.bias' in log
        assert not (tmp_path / 'out.pth').exists()

    def test_existing_output_needs_force(self, tmp_path, training_checkpoint):
        path, _ = training_checkpoint
        dst = tmp_path / 'mine.pth'
        dst.write_bytes(b'user data')
        code, log = extract([path, dst])
        assert code != 0 and 'already exists; pass --force' in log
        assert dst.read_bytes() == b'user data'
        code, log = extract([path, dst, '--force'])
        assert code == 0, log
        assert 'state_dict' in torch.load(dst, weights_only=True)

    def test_missing_input(self, tmp_path):
        code, log = extract([tmp_path / 'nope.pth', tmp_path / 'out.pth'])
        assert code != 0 and 'does not exist' in log

    def test_detection_init_rejects_wrong_or_missing_checkpoint(self, tmp_path):
        model = build(os.path.join(BENCH, 'mask-rcnn_r50_fpn_ms-1x_coco.py'))
        with pytest.raises(ValueError, match='no pretrained backbone given'):
            StrictPretrainedInit(checkpoint=None, strict=True)(model.backbone)
        wrong = tmp_path / 'r18.pth'
        torch.save(dict(state_dict=torchvision.models.resnet18().state_dict()), wrong)
        with pytest.raises(ValueError, match=r'does not fit ResNet: .*missing \d+: .*Extract'):
            StrictPretrainedInit(checkpoint=str(wrong), strict=True)(model.backbone)


@pytest.mark.slow
def test_detection_demo_trains_and_evaluates_on_cpu(tmp_path):
    """mmdet's own trainer through our launcher, 1 iteration on the demo COCO set, then COCO
    bbox/segm AP of the first validation batch."""
    import math

    from mmpretrain.registry import MODELS
    from tests.helpers import make_demo_data, small_matrix_ssl_cfg
    coco = tmp_path / 'demo_coco'
    digits = make_demo_data(tmp_path / 'demo_digits', coco)
    assert (coco / 'annotations' / 'instances_val.json').is_file()
    assert digits.is_dir()
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(small_matrix_ssl_cfg())
    checkpoint = tmp_path / 'pretrain.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    code, log = extract([checkpoint, tmp_path / 'r18.pth'])
    assert code == 0, log
    result = run_tool(
        ['-c', 'import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))', 'bash',
         'tools/benchmarks/mmdetection/dist_train.sh',
         'configs/matrix_ssl/benchmarks/mask-rcnn_r18_fpn_1xb4-80i_demo-coco.py',
         str(tmp_path / 'r18.pth'), '1', '--work-dir', str(tmp_path / 'det'), '--cfg-options',
         'train_cfg.max_iters=1', 'train_cfg.val_interval=1', 'param_scheduler=[]',
         # after 1 iteration every score may be below the default 0.05, and mmdet's
         # CocoMetric then reports nothing at all: keep every detection (20 per image:
         # pasting 100 untrained masks per image took most of the test's time)
         'model.test_cfg.rcnn.score_thr=0.0', 'model.test_cfg.rcnn.max_per_img=20',
         # one validation batch (4 of the 16 demo images): the metric, not its value
         'val_dataloader.dataset.indices=4',
         f'train_dataloader.dataset.data_root={coco}/', f'val_dataloader.dataset.data_root={coco}/',
         f'val_evaluator.ann_file={coco}/annotations/instances_val.json'], timeout=900,
        # the launcher's four Python steps start warm (its PYTHON: the fork server's shim)
        env=warm_python.interpreter_shim(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert 'loaded 120 tensors' in output  # the strict backbone init ran
    line = [row for row in output.splitlines() if 'coco/bbox_mAP' in row][-1]
    metrics = dict(re.findall(r'coco/(\w+): (-?[\d.]+)', line))
    for key in ('bbox_mAP', 'segm_mAP', 'bbox_mAP_50', 'segm_mAP_50'):
        assert math.isfinite(float(metrics[key])) and 0.0 <= float(metrics[key]) <= 1.0


def test_nothing_reinitialises_strictly_loaded_weights(extracted, tmp_path):
    # mmpretrain's ResNet zeroes the last norm of each block (zero_init_residual) after an
    # init_cfg unless its type is 'Pretrained': the strict init must keep that name
    weights = torch.load(extracted / 'online.pth', map_location='cpu')
    for key in weights['state_dict']:
        if '.bn3.weight' in key:
            weights['state_dict'][key] = torch.full_like(weights['state_dict'][key], 1.5)
    # the extractor's output is readable like any file the user writes (not mkstemp's 0600)
    umask = os.umask(0)
    os.umask(umask)
    assert (extracted / 'online.pth').stat().st_mode & 0o777 == 0o666 & ~umask
    path = tmp_path / 'nonzero_bn3.pth'
    torch.save(weights, path)
    model = build(os.path.join(BENCH, 'resnet50_8xb512-linear-coslr-100e_in1k.py'), path)
    model.init_weights()
    assert torch.all(model.backbone.layer4[2].bn3.weight == 1.5)
    assert torch.all(model.backbone.layer1[0].bn3.weight == 1.5)
