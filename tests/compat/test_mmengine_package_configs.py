"""Configs inherited through ``package::`` build their dataloaders in any Runner."""
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mssl_plugin  # noqa: F401  (the import makes Runner.build_dataloader drop the scope)
from tests.helpers import REPO


def test_a_scoped_collate_fn_from_a_package_base_builds_a_dataloader(demo_data):
    cfg = Config.fromfile(f'{REPO}/configs/m_mae/m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py')
    init_default_scope(cfg.default_scope)  # as the Runner does before it builds loaders
    loader = cfg.train_dataloader
    assert loader.collate_fn == dict(type='default_collate', _scope_='mmpretrain')
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader.dataset = dict(type='mmpretrain.CustomDataset', data_root=str(demo_data),
                          ann_file='meta/train.txt', data_prefix='train', indices=2,
                          pipeline=loader.dataset.pipeline)
    batch = next(iter(Runner.build_dataloader(loader, seed=0)))
    assert batch['inputs'].shape[0] == 2  # default_collate stacked the images
    assert cfg.train_dataloader.collate_fn['_scope_'] == 'mmpretrain'  # config untouched
