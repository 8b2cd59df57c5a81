# Fine-tuning of an M-MAE ViT-L/16 with the ViT-B schedule of the issue: layer-wise lr
# decay 0.65, 100 epochs (5 warm-up); mmpretrain's ViT-L recipe otherwise.
_base_ = 'mmpretrain::mae/benchmarks/vit-large-p16_8xb128-coslr-50e_in1k.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

# Strict loading: a checkpoint that lacks a backbone weight or has other shapes is an error
# naming the keys (mmengine's non-strict 'Pretrained' logs a warning and trains a random backbone).
# The one opt-out: `ln2`, the norm after average pooling that fine-tuning adds (MAE recipe).
model = dict(backbone=dict(init_cfg=dict(strict=True, ignore_missing=('ln2.', ))))

optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.65))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100)
