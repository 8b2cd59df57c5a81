# Small CPU config used by `make demo` and the tests: Matrix-SSL on the handwritten
# digits that scikit-learn ships (written in ImageNet layout by tools/make_demo_data.py),
# ResNet-18 at 32 x 32 px, 64 images per batch, 10 epochs, gloo when distributed.
_base_ = [
    '../_base_/models/matrix-ssl_resnet50.py',
    '../_base_/datasets/demo-digits_bs64_two-views.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=512, out_channels=256, norm_cfg=dict(type='BN1d')),
    head=dict(predictor=dict(in_channels=256, hid_channels=128, out_channels=256,
                             norm_cfg=dict(type='BN1d'))))

# lr = 0.5 x batch / 256 as in the reference script
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.125, momentum=0.9, weight_decay=1e-5))
max_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0.0, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
custom_hooks = [dict(type='MatrixInfoHook', interval=5)]
randomness = dict(seed=0)
