"""The installed OpenMMLab stack itself: compiled mmcv ops, imports, registry."""

import numpy as np
import pytest
import torch

from tests import warm_python


def test_mmcv_nms_on_cpu():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    # IoU(box0, box1) = 81 / 119 = 0.68 > 0.5: box1 is suppressed; box2 does not overlap
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    torch.testing.assert_close(
        dets, torch.tensor([[0., 0., 10., 10., 0.9], [20., 20., 30., 30., 0.7]]))
    _, keep_loose = nms(boxes, scores, iou_threshold=0.7)
    assert keep_loose.tolist() == [0, 1, 2]


def test_mmcv_roi_align_on_cpu():
    from mmcv.ops import RoIAlign
    # f(x, y) = 4y + x is linear, so bilinear sampling is exact and every bin's
    # average is f at the mean of its 2 x 2 sample points {0, 1} or {2, 3}.
    feature = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
    rois = torch.tensor([[0., 0., 0., 4., 4.]])
    layer = RoIAlign(output_size=(2, 2), spatial_scale=1.0, sampling_ratio=2, aligned=True)
    out = layer(feature, rois)
    torch.testing.assert_close(out, torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]]))
    # gradient flows back to the feature map and sums to the number of output cells
    feature.requires_grad_()
    layer(feature, rois).sum().backward()
    assert feature.grad.sum().item() == pytest.approx(4.0)


def test_downstream_libraries_import_with_installed_numpy():
    import mmcv
    import mmdet
    import mmengine
    import mmpretrain
    from mmdet.models import MaskRCNN  # noqa: F401
    from mmpretrain.models import BYOL  # noqa: F401
    assert mmcv.__version__ == '2.1.0'
    assert mmengine.__version__ == '0.10.7'
    assert mmpretrain.__version__ == '1.2.0'
    assert mmdet.__version__ == '3.3.0'
    assert int(np.__version__.split('.')[0]) >= 1
    import pkg_resources  # noqa: F401  (mmengine's mmdet:: config inheritance needs it)


def test_plugin_registers_without_clashing():
    script = r'''
import mmpretrain.models  # registers every mmpretrain component
from mmpretrain.registry import MODELS
before = dict(MODELS.module_dict)
import mssl_plugin
after = MODELS.module_dict
added = sorted(set(after) - set(before))
assert all(after[k] is v for k, v in before.items()), 'an mmpretrain component was replaced'
print(','.join(added))
'''
    # a process that has not imported the plugin (forked from the warm server, which never
    # does)
    result = warm_python.run(['-c', script])
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip().splitlines()[-1]
    added = set(out.split(','))
    assert {'MatrixSSL', 'MatrixSSLHead', 'MatrixSSLLoss', 'MatrixUniformityLoss',
            'MatrixAlignmentLoss'} <= added
