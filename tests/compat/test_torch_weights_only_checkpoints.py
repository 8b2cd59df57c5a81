"""mmengine save / resume / load_from under torch's default weights_only=True loading."""
import os
import pickle
import zipfile

import pytest
import torch
import torch.nn as nn
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import mssl_plugin  # noqa: F401  (installs the allow-list)
from mssl_plugin.compat import torch_weights_only_checkpoints as checkpoint_safety


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x, mode='tensor'):
        out = self.linear(torch.stack(x) if isinstance(x, list) else x)
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else out


class TinyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(x=torch.tensor([float(index), 1.0]))


def pickled_bytes(checkpoint):
    with zipfile.ZipFile(checkpoint) as archive:
        name = next(n for n in archive.namelist() if n.endswith('data.pkl'))
        return archive.read(name)


def make_runner(work_dir, epochs, **kwargs):
    torch.manual_seed(0)  # the model is built before the Runner seeds
    return Runner(
        model=TinyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=TinyData(), batch_size=2,
                              collate_fn=dict(type='default_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        # explicit end: mmengine defaults it to max_epochs, which differs between the runs
        param_scheduler=dict(type='MultiStepLR', milestones=[1], gamma=0.5, begin=0, end=2),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        default_scope='mmengine', randomness=dict(seed=0), **kwargs)


def test_resume_and_load_from_with_safe_loading(tmp_path):
    runner = make_runner(tmp_path / 'a', epochs=1)
    runner.train()
    checkpoint = tmp_path / 'a' / 'epoch_1.pth'
    # everything the file needs is allow-listed, and it pickles no function (no getattr)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(checkpoint)) == []
    assert b'getattr' not in pickled_bytes(checkpoint)
    resumed = make_runner(tmp_path / 'a', epochs=2, resume=True)
    resumed.train()
    assert resumed.iter == 8 and resumed.epoch == 2
    # resuming restored the optimiser momentum and LR schedule: equal to an uninterrupted run
    straight = make_runner(tmp_path / 'b', epochs=2)
    straight.train()
    torch.testing.assert_close(resumed.model.state_dict(), straight.model.state_dict())
    assert resumed.optim_wrapper.get_lr() == straight.optim_wrapper.get_lr()
    loaded = make_runner(tmp_path / 'c', epochs=1, load_from=str(checkpoint))
    loaded.load_or_resume()
    torch.testing.assert_close(loaded.model.state_dict(), runner.model.state_dict())


def test_checkpoints_written_by_plain_mmengine_still_resume(tmp_path, monkeypatch):
    original = checkpoint_safety._history_buffer_getstate

    def mmengine_getstate(self):  # mmengine 0.10.7's own __getstate__
        self.__dict__.update(statistics_methods=self._statistics_methods)
        return self.__dict__

    monkeypatch.setattr(HistoryBuffer, '__getstate__', mmengine_getstate)
    make_runner(tmp_path, epochs=1).train()
    assert b'getattr' in pickled_bytes(tmp_path / 'epoch_1.pth')
    monkeypatch.setattr(HistoryBuffer, '__getstate__', original)
    resumed = make_runner(tmp_path, epochs=2, resume=True)
    resumed.train()
    assert resumed.iter == 8


class _Exploit:

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


class _GetattrExploit:

    def __init__(self, path):
        self.path = path

    def __reduce__(self):  # getattr(os, 'system')('touch ...') through the getattr stand-in
        return (eval, (f"__import__('os').system('touch {self.path}')", ))


def test_crafted_checkpoint_cannot_run_code(tmp_path):
    marker = tmp_path / 'pwned'
    for payload in (_Exploit(marker), _GetattrExploit(marker)):
        path = tmp_path / 'evil.pth'
        torch.save({'state_dict': {}, 'meta': payload}, path)
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path)
    assert not marker.exists()


def test_getattr_stand_in_refuses_other_attributes():
    assert checkpoint_safety._history_buffer_statistic(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match="getattr\\(<module 'os'"):
        checkpoint_safety._history_buffer_statistic(os, 'system')
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        checkpoint_safety._history_buffer_statistic(HistoryBuffer, '__init__')
