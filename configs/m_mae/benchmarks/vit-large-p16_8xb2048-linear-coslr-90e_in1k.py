# Linear probing of an M-MAE ViT-L/16 (LARS, 90 epochs); checkpoint via
#   --cfg-options model.backbone.init_cfg.checkpoint=<m-mae checkpoint>
_base_ = 'mmpretrain::mae/benchmarks/vit-large-p16_8xb2048-linear-coslr-90e_in1k.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

# Strict loading: a checkpoint that lacks a backbone weight or has other shapes is an error
# naming the keys (mmengine's non-strict 'Pretrained' logs a warning and trains a random backbone).
model = dict(backbone=dict(init_cfg=dict(strict=True)))
