# `make demo`'s pretraining: the digits config for 3 epochs (1 warm-up + cosine over 2), so the
# demo shows within minutes that training helps (kNN far above random init); the 10-epoch
# config reads higher (README, "The demo").
_base_ = './matrix-ssl_resnet18_1xb64-coslr-10e_digits.py'

max_epochs = 3
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0.0, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
