"""Checkpoint and dataset settings users write keep working with the plugin's hooks and
loop: a ``filename_tmpl`` with a sub-folder, ``save_best`` (the new best written before the
old one goes), a non-local store (mmengine's own path, under a URL prefix), a recipe switch
by attribute assignment (mmpretrain's ``SwitchRecipeHook``), a dataset object in the
dataloader dict, and an epoch-boundary resume with another epoch length.

Each test trains the demo config (ResNet-18, digits) for a few iterations in this process
with a real mmengine Runner.
"""
import io
import itertools
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import FileClient, LocalBackend, register_backend
from mmengine.runner import CheckpointLoader, Runner

import mssl_plugin  # noqa: F401
from mssl_plugin.engine import AtomicCheckpointHook
from mssl_plugin.engine.hooks import atomic_checkpoint_hook
from tests.helpers import DEMO_CONFIG

pytestmark = pytest.mark.slow
PREFIX = 'mssltest'
_RUN_NUMBERS = itertools.count()


def tiny_cfg(work_dir, data_root, epochs=1, batch=4, **checkpoint):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(batch_size=batch, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=str(data_root), indices=8)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler = []
    cfg.custom_hooks = []
    cfg.default_hooks.checkpoint.update(checkpoint)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.experiment_name = f'checkpoint-settings-{next(_RUN_NUMBERS)}'  # one logger each
    return cfg


def train(cfg, resume=False, load_from=None):
    cfg.resume, cfg.load_from = resume, load_from
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def meta(path):
    return torch.load(path, map_location='cpu', weights_only=False)['meta']


def test_filename_template_with_a_sub_folder_saves_and_resumes(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    train(tiny_cfg(work_dir, demo_data, filename_tmpl='ckpts/epoch_{}.pth'))
    first = work_dir / 'ckpts' / 'epoch_1.pth'
    assert first.is_file() and not list((work_dir / 'ckpts').glob('.*.partial'))
    assert (work_dir / 'last_checkpoint').read_text() == str(first)
    os.remove(work_dir / 'last_checkpoint')  # the fallback looks in the sub-folder too
    train(tiny_cfg(work_dir, demo_data, epochs=2, filename_tmpl='ckpts/epoch_{}.pth'),
          resume=True)
    assert meta(work_dir / 'ckpts' / 'epoch_2.pth')['iter'] == 4


def test_a_new_best_is_written_before_the_old_one_is_deleted(demo_data, tmp_path,
                                                             monkeypatch):
    runner = train(tiny_cfg(tmp_path / 'work', demo_data, save_best='score', rule='greater'))
    hook = next(h for h in runner.hooks if isinstance(h, AtomicCheckpointHook))
    seen = []
    replace = os.replace

    def watching_replace(source, target):
        if os.path.basename(target).startswith('best_'):
            seen.append((os.path.basename(target), sorted(
                p.name for p in (tmp_path / 'work').glob('best_*.pth'))))
        replace(source, target)

    monkeypatch.setattr(atomic_checkpoint_hook.os, 'replace', watching_replace)
    hook._save_best_checkpoint(runner, dict(score=1.0))
    first = sorted(p.name for p in (tmp_path / 'work').glob('best_*.pth'))
    runner.train_loop._epoch += 1  # the next epoch's best gets another name
    hook._save_best_checkpoint(runner, dict(score=2.0))
    assert len(seen) == 2 and seen[1][1] == first  # the old best was there during the write
    assert sorted(p.name for p in (tmp_path / 'work').glob('best_*.pth')) == \
        ['best_score_epoch_2.pth']
    hook._save_best_checkpoint(runner, dict(score=0.5))  # not better: nothing changes
    assert len(seen) == 2


class PrefixedLocalBackend(LocalBackend):
    """The local disk under ``mssltest://``, standing for S3 / petrel in these tests."""

    @staticmethod
    def _local(path):
        return str(path).split('://', 1)[1] if '://' in str(path) else str(path)

    def get(self, filepath):
        return super().get(self._local(filepath))

    def put(self, obj, filepath):
        return super().put(obj, self._local(filepath))

    def exists(self, filepath):
        return super().exists(self._local(filepath))

    def isfile(self, filepath):
        return super().isfile(self._local(filepath))

    def isdir(self, filepath):
        return super().isdir(self._local(filepath))

    def remove(self, filepath):
        return super().remove(self._local(filepath))

    def join_path(self, filepath, *filepaths):
        return '/'.join([str(filepath).rstrip('/')] + [str(p) for p in filepaths])


def _load_prefixed(filename, map_location=None):
    data = PrefixedLocalBackend().get(filename)
    return torch.load(io.BytesIO(data), map_location=map_location, weights_only=False)


@pytest.fixture(scope='module')
def prefixed_store():
    register_backend(PREFIX, PrefixedLocalBackend, force=True, prefixes=PREFIX)
    # CheckpointHook also asks the deprecated FileClient, which keeps its own table
    FileClient.register_backend(PREFIX, PrefixedLocalBackend, force=True, prefixes=PREFIX)
    CheckpointLoader.register_scheme(prefixes=f'{PREFIX}://', loader=_load_prefixed,
                                     force=True)
    return f'{PREFIX}://'


def test_a_remote_store_saves_and_resumes_as_in_mmengine(demo_data, tmp_path, prefixed_store):
    work_dir, store = tmp_path / 'work', tmp_path / 'store'
    out_dir = prefixed_store + str(store)
    train(tiny_cfg(work_dir, demo_data, out_dir=out_dir))
    url = (work_dir / 'last_checkpoint').read_text()
    assert url == f'{out_dir}/work/epoch_1.pth' and (store / 'work' / 'epoch_1.pth').is_file()
    # --resume (last_checkpoint holds the URL) and --resume URL
    train(tiny_cfg(work_dir, demo_data, epochs=2, out_dir=out_dir), resume=True)
    assert meta(store / 'work' / 'epoch_2.pth')['iter'] == 4
    other = tmp_path / 'other'
    train(tiny_cfg(other, demo_data, epochs=2, out_dir=out_dir), resume=True, load_from=url)
    assert meta(store / 'other' / 'epoch_2.pth')['iter'] == 4


def test_recipe_switch_by_assignment_reaches_the_dataset(demo_data, tmp_path):
    cfg = tiny_cfg(tmp_path / 'work', demo_data, epochs=2)
    switched = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    switched.insert(1, dict(type='mmpretrain.ResizeEdge', scale=40))
    cfg.custom_hooks = [dict(type='SwitchRecipeHook',
                             schedule=[dict(action_epoch=2, train_pipeline=switched)])]
    runner = train(cfg)
    dataset = runner.train_loop.dataloader.dataset
    assert type(dataset).__name__ == 'PerSampleSeededDataset'
    names = [type(t).__name__ for t in dataset.dataset.pipeline.transforms]
    assert names[1] == 'ResizeEdge', names  # the wrapped dataset got the new pipeline


def test_a_dataset_object_in_the_dataloader_dict_trains(demo_data, tmp_path):
    from mmengine.registry import init_default_scope

    from mmpretrain.registry import DATASETS
    cfg = tiny_cfg(tmp_path / 'work', demo_data)
    init_default_scope('mmpretrain')
    loader = dict(cfg.train_dataloader, dataset=DATASETS.build(cfg.train_dataloader.dataset))
    # a built dataset cannot go through a Config (it is dumped): mmengine's Runner(...) API
    runner = Runner(model=cfg.model, work_dir=cfg.work_dir, train_dataloader=loader,
                    train_cfg=cfg.train_cfg, optim_wrapper=cfg.optim_wrapper,
                    default_hooks=cfg.default_hooks, randomness=cfg.randomness,
                    default_scope='mmpretrain', experiment_name=cfg.experiment_name)
    runner.train()
    assert meta(tmp_path / 'work' / 'epoch_1.pth')['iter'] == 2


def test_epoch_boundary_resume_with_another_epoch_length(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    train(tiny_cfg(work_dir, demo_data, batch=4))  # 2 iterations per epoch
    # another batch size (as another world size would): resumed at the epoch boundary
    train(tiny_cfg(work_dir, demo_data, epochs=2, batch=2), resume=True)
    assert meta(work_dir / 'epoch_2.pth')['iter'] == 2 + 4
