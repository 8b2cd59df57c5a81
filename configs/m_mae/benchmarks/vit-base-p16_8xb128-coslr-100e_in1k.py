# Fine-tuning of an M-MAE ViT-B/16 (AdamW, layer-wise lr decay 0.65, 100 epochs,
# mmpretrain's MAE recipe); checkpoint via
#   --cfg-options model.backbone.init_cfg.checkpoint=<m-mae checkpoint>
_base_ = 'mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

# Strict loading: a checkpoint that lacks a backbone weight or has other shapes is an error
# naming the keys (mmengine's non-strict 'Pretrained' logs a warning and trains a random backbone).
# The one opt-out: `ln2`, the norm after average pooling that fine-tuning adds (MAE recipe).
model = dict(backbone=dict(init_cfg=dict(strict=True, ignore_missing=('ln2.', ))))
