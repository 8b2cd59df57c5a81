# Small CPU config for the tests and demos: M-MAE with a 4-layer 128-d ViT (patch 4)
# on the 32 x 32 demo digits (tools/make_demo_data.py), 64 images per batch, 10 epochs.
_base_ = [
    '../_base_/models/m-mae_vit-base-p16.py',
    '../_base_/datasets/demo-digits_bs64.py',
    '../_base_/default_runtime.py',
]

tiny_vit = dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=256)
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(_delete_=True, type='MAEViT', arch=tiny_vit, img_size=32, patch_size=4,
                  mask_ratio=0.75),
    neck=dict(num_patches=64, patch_size=4, embed_dim=128, decoder_embed_dim=64,
              decoder_depth=2, decoder_num_heads=4),
    head=dict(patch_size=4),
    probe_head=dict(num_classes=10, in_channels=128))

train_pipeline = [
    dict(type='CheckedLoadImageFromFile', skip_unreadable=False),
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.5, 1.0),
         interpolation='bicubic', backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1.5e-4 * 64 / 256 * 4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        'ln': dict(decay_mult=0.0), 'bias': dict(decay_mult=0.0),
        'pos_embed': dict(decay_mult=0.0), 'mask_token': dict(decay_mult=0.0),
        'cls_token': dict(decay_mult=0.0)}))
max_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1,
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
