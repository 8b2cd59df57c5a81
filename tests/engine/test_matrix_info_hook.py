"""MatrixInfoHook inside a real mmengine Runner on the demo data."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mssl_plugin  # noqa: F401
from mssl_plugin import functional as F
from mssl_plugin.engine import MatrixInfoHook
from tests.helpers import DEMO_CONFIG

pytestmark = pytest.mark.slow


def test_hook_logs_finite_values_at_its_interval_only(demo_data, tmp_path):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.data_root = str(demo_data)
    cfg.train_dataloader.dataset.indices = 96
    cfg.train_dataloader.batch_size = 16
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=7)
    cfg.param_scheduler = []
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.custom_hooks = [dict(type='MatrixInfoHook', interval=3)]
    cfg.log_processor = dict(by_epoch=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    for key in ('train/erank/backbone', 'train/erank/projector_v1', 'train/entropy/projector_v2',
                'train/mutual_info/projector_v1~projector_v2'):
        buffer = hub.get_scalar(key)
        values, counts = buffer.data
        assert len(values) == 2, f'{key} logged {len(values)} times, expected iterations 3 and 6'
        assert all(math.isfinite(v) for v in values)
    eranks = hub.get_scalar('train/erank/projector_v1').data[0]
    assert all(1.0 <= v <= 16 for v in eranks)  # at most the batch size
    entropies = hub.get_scalar('train/entropy/projector_v1').data[0]
    assert all(0.0 <= v <= math.log(16) + 1e-6 for v in entropies)
    model = runner.model
    assert model.record_diagnostics is False and model.diagnostic_features == {}


def test_compute_equals_functional():
    hook = MatrixInfoHook(interval=1, max_samples=20)
    a, b = torch.randn(20, 8), torch.randn(30, 8)
    scalars = hook.compute({'a': a, 'b': b[:20]}, pairs=[('a', 'b')])
    assert scalars['erank/a'] == pytest.approx(float(F.effective_rank(F.covariance(a))), rel=1e-6)
    gram = torch.nn.functional.normalize(a, dim=1)
    gram = gram @ gram.T
    assert scalars['entropy/a'] == pytest.approx(
        float(F.von_neumann_entropy(gram / gram.trace())), rel=1e-5)
    gram_b = torch.nn.functional.normalize(b[:20], dim=1)
    gram_b = gram_b @ gram_b.T
    assert scalars['mutual_info/a~b'] == pytest.approx(
        float(F.matrix_mutual_information(gram, gram_b)), rel=1e-5)
    # rows beyond max_samples are ignored
    assert hook.compute({'b': b})['erank/b'] == pytest.approx(
        float(F.effective_rank(F.covariance(b[:20]))), rel=1e-6)


def test_bad_arguments_and_models():
    with pytest.raises(ValueError, match='interval must be a positive integer, got 0'):
        MatrixInfoHook(interval=0)
    with pytest.raises(ValueError, match='max_samples must be an integer >= 2'):
        MatrixInfoHook(max_samples=1)

    class FakeRunner:
        model = torch.nn.Linear(2, 2)

    with pytest.raises(TypeError, match='needs a model with `record_diagnostics`.*Linear'):
        MatrixInfoHook().before_run(FakeRunner())


def test_tensorboard_receives_the_loss_and_the_diagnostics(demo_data, tmp_path):
    """The README's TensorBoard snippet: the event file holds the loss and erank/* scalars."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.data_root = str(demo_data)
    cfg.train_dataloader.dataset.indices = 64
    cfg.train_dataloader.batch_size = 16
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=4)
    cfg.param_scheduler = []
    # the logger writes the hook's latest values at its own iterations: same interval
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=2)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.custom_hooks = [dict(type='MatrixInfoHook', interval=2)]
    cfg.log_processor = dict(by_epoch=False)
    # the README snippet
    cfg.visualizer = dict(type='UniversalVisualizer', vis_backends=[
        dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
    Runner.from_cfg(cfg).train()
    event_files = list(tmp_path.rglob('events.out.tfevents.*'))
    assert event_files, 'no TensorBoard event file written'
    events = EventAccumulator(str(event_files[0].parent))
    events.Reload()
    tags = events.Tags()['scalars']
    assert 'loss' in tags and [e.step for e in events.Scalars('loss')] == [2, 4]
    for tag in ('erank/backbone', 'erank/projector_v1', 'entropy/projector_v1'):
        assert tag in tags, f'{tag} missing from {sorted(tags)}'
        assert [e.step for e in events.Scalars(tag)] == [2, 4]
    assert all(math.isfinite(e.value) for e in events.Scalars('loss'))
