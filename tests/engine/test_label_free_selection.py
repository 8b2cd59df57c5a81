"""RankMe / LiDAR in mmengine's val loop: the best checkpoint is chosen without labels."""
import json
import os

import pytest
from mmengine.config import Config

from tests.helpers import TINY_CONFIG, REPO, make_demo_data, run_tool

pytestmark = pytest.mark.slow

LABEL_FREE_VAL = '''
_base_ = {base!r}
label_free_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=[1, 3], transforms=[[], {{{{_base_.view_pipeline}}}}]),
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=32, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CustomDataset', data_root={root!r}, ann_file={ann!r},
                 data_prefix='train', indices=64, pipeline=label_free_pipeline))
val_evaluator = [dict(type='RankMe', max_images=64), dict(type='LiDAR', max_images=64)]
val_cfg = dict(type='ValLoop')
train_cfg = dict(max_epochs=3, val_interval=1)
train_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}, indices=64))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best='rankme/backbone',
                                     rule='greater'))
'''


@pytest.fixture(scope='module')
def digits(tmp_path_factory):
    root = make_demo_data(tmp_path_factory.mktemp('data') / 'demo_digits')
    lines = (root / 'meta/train.txt').read_text().splitlines()
    # every label replaced by a wrong one: a metric that read labels would change
    wrong = [f'{path} {(int(label) + 1 + i % 9) % 10}'
             for i, (path, label) in enumerate(line.split() for line in lines)]
    (root / 'meta/wrong.txt').write_text('\n'.join(wrong) + '\n')
    return root


def train_with_label_free_val(digits, ann, work_dir):
    config = work_dir.parent / f'{work_dir.name}.py'
    config.write_text(LABEL_FREE_VAL.format(base=TINY_CONFIG, root=str(digits), ann=ann))
    result = run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    scalars = [json.loads(line) for line in
               next(work_dir.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    metrics = [{key: value for key, value in row.items() if key.startswith(('rankme/', 'lidar/'))}
               for row in scalars if 'rankme/backbone' in row]
    best = sorted(p.name for p in work_dir.glob('best_*.pth'))
    return metrics, best


def test_best_checkpoint_by_rankme_reads_no_label(digits, tmp_path):
    right, best_right = train_with_label_free_val(digits, 'meta/train.txt', tmp_path / 'right')
    wrong, best_wrong = train_with_label_free_val(digits, 'meta/wrong.txt', tmp_path / 'wrong')
    assert len(right) == 3
    for row in right:
        for key in ('rankme/backbone', 'rankme/projector', 'lidar/backbone', 'lidar/projector'):
            assert row[key] >= 1.0, (key, row)
        assert row['rankme/backbone'] <= 64 and row['rankme/projector'] <= 32  # width-8 dims
    scores = [row['rankme/backbone'] for row in right]
    best_epoch = scores.index(max(scores)) + 1
    assert best_right == [f'best_rankme_backbone_epoch_{best_epoch}.pth']
    # the same run with every label wrong: the same numbers, the same checkpoint kept
    assert right == wrong
    assert best_wrong == best_right


def test_shipped_selection_config_builds_a_label_free_val_loop():
    cfg = Config.fromfile(os.path.join(
        REPO, 'configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist_'
              'select-rankme.py'))
    assert cfg.default_hooks.checkpoint.save_best == 'rankme/backbone'
    assert [m['type'] for m in cfg.val_evaluator] == ['RankMe', 'LiDAR']
    multiview = cfg.val_dataloader.dataset.pipeline[0]
    assert multiview['num_views'] == [1, 10]
    assert multiview['transforms'][1] == cfg.view_pipeline
