# M-MAE, ViT-B/16, 8 GPUs x 128 images, 800 epochs (40 warm-up), AMP.
_base_ = './m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py'

max_epochs = 800
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=40,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 40, by_epoch=True, begin=40,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
