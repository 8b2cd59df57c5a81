# M-MAE in small, on CPU: a 4-block 128-d ViT (patch 4, one grey channel), 10,000
# Fashion-MNIST train images at 28 x 28 px (7 x 7 patches, 75 % masked), 128 images per
# batch, 8 epochs (about 6 minutes on 2 cores). The regulariser is the published one (TCR on
# the CLS feature, weight 1e-2, mu 3, _base_/models/m-mae_vit-base-p16.py) at lr 3e-4:
# benchmarks/quality_bench.py selected it on held-out train images over lr 1.5e-3
# (2026-12-01, benchmarks/RESULTS.md section 4.3).
_base_ = [
    '../_base_/models/m-mae_vit-base-p16.py',
    '../_base_/datasets/fashion-mnist_bs128_two-views.py',
    '../_base_/default_runtime.py',
]

vit = dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=512)
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(_delete_=True, type='MAEViT', arch=vit, img_size=28, patch_size=4,
                  patch_cfg=dict(in_channels=1), mask_ratio=0.75),
    neck=dict(num_patches=49, patch_size=4, in_chans=1, embed_dim=128,
              decoder_embed_dim=64, decoder_depth=2, decoder_num_heads=4),
    head=dict(patch_size=4, in_channels=1),
    # label-free pretraining: no online probe (the study reads features out afterwards)
    probe_head=None)

# one view per image: the same crop + flip as the Siamese views
train_pipeline = [
    dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.3, 1.0), backend='cv2'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# AdamW, blr 1.5e-4 x batch / 256 x 4 (short schedules want the larger rate), wd 0.05
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        'ln': dict(decay_mult=0.0), 'bias': dict(decay_mult=0.0),
        'pos_embed': dict(decay_mult=0.0), 'mask_token': dict(decay_mult=0.0),
        'cls_token': dict(decay_mult=0.0)}))
max_epochs = 8
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='AtomicCheckpointHook', interval=2, max_keep_ckpts=-1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
custom_hooks = [dict(type='MatrixInfoHook', interval=20)]
randomness = dict(seed=0)
