# Linear probing of an M-MAE ViT-B/16 (mmpretrain's MAE recipe: frozen backbone,
# BN neck, LARS, batch 16384, 90 epochs). The checkpoint comes on the command line:
#   tools/dist_train.sh configs/m_mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<m-mae run>/epoch_200.pth
# The backbone weights are read with prefix 'backbone.' into mmpretrain's VisionTransformer.
_base_ = 'mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'

custom_imports = dict(imports=['mssl_plugin'], allow_failed_imports=False)

# Strict loading: a checkpoint that lacks a backbone weight or has other shapes is an error
# naming the keys (mmengine's non-strict 'Pretrained' logs a warning and trains a random backbone).
model = dict(backbone=dict(init_cfg=dict(strict=True)))
