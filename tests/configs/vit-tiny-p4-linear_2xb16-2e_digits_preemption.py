# The digits linear probe (configs/m_mae/benchmarks/vit-tiny-p4_1xb64-linear-coslr-10e_digits.py)
# as a short run with validation after each epoch, PreemptionHook, the resumable loop,
# two persistent data workers and no periodic checkpoint: for
# tests/tools/test_preemption_moments.py, which sets the SignalAtHook's moment.
_base_ = '../../configs/m_mae/benchmarks/vit-tiny-p4_1xb64-linear-coslr-10e_digits.py'

custom_imports = dict(imports=['mssl_plugin', 'tests.signal_at_hook'],
                      allow_failed_imports=False)
model = dict(backbone=dict(init_cfg=None))
# 96 images in batches of 16: 6 iterations per epoch, 12 in all
train_dataloader = dict(batch_size=16, num_workers=2, persistent_workers=True,
                        dataset=dict(indices=96))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                      dataset=dict(indices=32))
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, type='ResumableEpochBasedTrainLoop', max_epochs=2,
                 val_interval=1)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=2, by_epoch=True, begin=0, end=2,
                        convert_to_iter_based=True)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(_delete_=True, type='AtomicCheckpointHook', interval=1000),
    preemption=dict(type='PreemptionHook'))
randomness = dict(seed=3)
# the run signals its own process group at `moment` (tests/signal_at_hook.py); None: never
custom_hooks = [dict(type='SignalAtHook', moment=None)]
