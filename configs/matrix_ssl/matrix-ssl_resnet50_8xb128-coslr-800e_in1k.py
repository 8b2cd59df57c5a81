# Matrix-SSL, ResNet-50, 8 GPUs x 128 images, 800 epochs (10 warm-up epochs, cosine).
_base_ = './matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'

max_epochs = 800
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 10, eta_min=0.0, by_epoch=True,
         begin=10, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
