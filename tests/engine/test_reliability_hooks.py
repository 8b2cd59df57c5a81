import pytest
import torch

import mssl_plugin  # noqa: F401
from mssl_plugin.engine import NonFiniteGuardHook, TorchRNGStateHook


class FakeRunner:
    """Only the attributes the hooks read; the hooks are run for real in the tool tests."""

    def __init__(self, model=None, resume=True):
        self.model = model or torch.nn.Linear(3, 2)
        self.iter = 6
        self._resume = resume


def test_guard_stops_on_non_finite_loss_with_iteration():
    hook = NonFiniteGuardHook()
    hook.after_train_iter(FakeRunner(), 0, outputs=dict(loss=torch.tensor(1.5, requires_grad=True),
                                                        uniformity=torch.tensor(float('nan'))))
    with pytest.raises(FloatingPointError, match='loss_rec is nan at iteration 7'):
        hook.after_train_iter(FakeRunner(), 0, outputs=dict(loss_rec=torch.tensor(float('nan'))))


def test_guard_refuses_to_checkpoint_non_finite_weights():
    runner = FakeRunner()
    hook = NonFiniteGuardHook()
    hook.before_save_checkpoint(runner, {})
    with torch.no_grad():
        runner.model.weight[0, 1] = float('inf')
    with pytest.raises(FloatingPointError, match=r'non-finite weights in 1 tensor\(s\) \(weight\)'):
        hook.before_save_checkpoint(runner, {})


def test_rng_state_round_trip_only_when_resuming():
    hook = TorchRNGStateHook()
    checkpoint = {}
    torch.manual_seed(11)
    torch.rand(5)
    hook.before_save_checkpoint(FakeRunner(), checkpoint)
    expected = torch.rand(3)
    torch.manual_seed(0)
    hook.after_load_checkpoint(FakeRunner(resume=False), checkpoint)  # load_from: fresh seed
    hook.before_train(FakeRunner(resume=False))
    assert not torch.equal(torch.rand(3), expected)
    # resuming: restored in before_train, after mmengine's resume re-seeded the process
    hook.after_load_checkpoint(FakeRunner(resume=True), checkpoint)
    torch.manual_seed(0)  # what mmengine's late set_randomness(resumed seed) does
    hook.before_train(FakeRunner(resume=True))
    assert torch.equal(torch.rand(3), expected)
    hook.before_train(FakeRunner(resume=True))  # once only: a second call changes nothing
    assert not torch.equal(torch.rand(3), expected)
