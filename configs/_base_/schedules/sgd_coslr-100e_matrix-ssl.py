# Reference recipe: SGD momentum 0.9, weight decay 1e-5, lr 0.5 x batch / 256
# (2.0 for 1024 images), 10 linear warm-up epochs then cosine to 0, per iteration.
# LinearLR cannot start at exactly 0 (its recursive form divides by the start
# factor), so warm-up starts at 1e-4 x lr, as mmpretrain's MAE configs do.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.0, momentum=0.9, weight_decay=1e-5))

max_epochs = 100
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)

# lr above is for 8 GPUs x 128 images; --auto-scale-lr rescales it linearly
auto_scale_lr = dict(base_batch_size=1024)
