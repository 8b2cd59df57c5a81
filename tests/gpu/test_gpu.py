"""GPU checks (``tools/gpu_check.sh``): skipped without CUDA, so CI shows the skip path.

mmcv's CUDA ops and a Mask R-CNN forward on the GPU; the digits configs trained a few
iterations under ``AmpOptimWrapper`` (fp16, bf16) with the matrix terms float32 and
finite; SyncBN in a one-process NCCL group.
"""
import os
import socket

import pytest
import torch
from mmengine.config import Config

import mssl_plugin  # noqa: F401
from tests.helpers import DEMO_CONFIG, REPO

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason='needs a CUDA device (run tools/gpu_check.sh on a GPU machine)'),
]
MMAE_CONFIG = os.path.join(REPO, 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py')


def test_mmcv_cuda_ops_and_mask_rcnn_forward():
    from mmcv.ops import nms, roi_align
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]],
                         device='cuda')
    _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7], device='cuda'), 0.5)
    assert keep.tolist() == [0, 2]
    feats = torch.randn(1, 4, 16, 16, device='cuda')
    rois = torch.tensor([[0., 0., 0., 8., 8.]], device='cuda')
    assert roi_align(feats, rois, (2, 2), 1.0, 0).shape == (1, 4, 2, 2)
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmdet.utils import register_all_modules
    from mmengine.registry import init_default_scope
    register_all_modules()
    init_default_scope('mmdet')
    cfg = Config.fromfile(os.path.join(
        REPO, 'configs/matrix_ssl/benchmarks/mask-rcnn_r18_fpn_1xb4-80i_demo-coco.py'))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).cuda().eval()
    sample = DetDataSample(metainfo=dict(img_shape=(160, 160), ori_shape=(160, 160),
                                         scale_factor=(1.0, 1.0), batch_input_shape=(160, 160)))
    with torch.no_grad():
        results = model.predict(torch.randn(1, 3, 160, 160, device='cuda'), [sample])
    assert results[0].pred_instances.bboxes.is_cuda


def _amp_train(config, dtype, tmp_path, iterations=3):
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / f'amp_{dtype}')
    cfg.optim_wrapper = dict(type='AmpOptimWrapper', dtype=dtype,
                             optimizer=cfg.optim_wrapper.optimizer)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iterations)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iterations)
    cfg.custom_hooks = []
    data = os.path.join(REPO, 'data/demo_digits')
    cfg.train_dataloader.dataset.data_root = data
    runner = Runner.from_cfg(cfg)
    seen = []
    # the head that owns the matrix loss: MatrixSSLHead, or M-MAE's uniformity head
    head = getattr(runner.model, 'uniformity_head', runner.model.head)
    original = head.loss

    def recording_loss(*args, **kwargs):
        out = original(*args, **kwargs)
        seen.append(out)
        return out

    head.loss = recording_loss
    runner.train()
    return seen


@pytest.mark.parametrize('dtype', ['float16', 'bfloat16'])
@pytest.mark.parametrize('config', [DEMO_CONFIG, MMAE_CONFIG])
def test_amp_keeps_matrix_terms_float32_and_finite(config, dtype, tmp_path):
    from tests.helpers import make_demo_data
    if not os.path.isdir(os.path.join(REPO, 'data/demo_digits')):
        make_demo_data(os.path.join(REPO, 'data/demo_digits'))
    outputs = _amp_train(config, dtype, tmp_path)
    assert outputs
    for out in outputs:
        values = out.values() if isinstance(out, dict) else [out]
        for value in values:
            if torch.is_tensor(value) and value.is_floating_point():
                assert value.dtype == torch.float32, value.dtype
                assert torch.isfinite(value).all()


def test_syncbn_in_a_one_process_nccl_group():
    import torch.distributed as dist
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    dist.init_process_group('nccl', init_method=f'tcp://127.0.0.1:{port}', rank=0,
                            world_size=1)
    try:
        from mmpretrain.registry import MODELS
        from mmengine.registry import init_default_scope
        init_default_scope('mmpretrain')
        cfg = Config.fromfile(os.path.join(
            REPO, 'configs/matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'))
        cfg.model.backbone.depth = 18
        cfg.model.neck.update(in_channels=512, hid_channels=256, out_channels=128)
        cfg.model.head.predictor.update(in_channels=128, hid_channels=64, out_channels=128)
        model = MODELS.build(cfg.model).cuda().train()
        assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())
        inputs = [torch.randint(0, 256, (8, 3, 64, 64), device='cuda').float()
                  for _ in range(2)]
        data = model.data_preprocessor(dict(inputs=inputs, data_samples=None), True)
        losses = model.loss(data['inputs'], data['data_samples'])
        loss = sum(v for k, v in losses.items() if 'loss' in k)  # as mmengine's parse_losses
        loss.backward()
        assert torch.isfinite(loss)
    finally:
        dist.destroy_process_group()
