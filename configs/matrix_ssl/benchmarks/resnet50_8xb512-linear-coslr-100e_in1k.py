# Linear evaluation of a Matrix-SSL ResNet-50, as the reference script: frozen backbone
# (BN in eval mode), BN(affine=False, eps=1e-6) before the fc, LARS, batch 8 x 512 = 4096,
# lr 0.03 x 4096 / 256 = 0.48, weight decay 0, cosine, 100 epochs. Weights:
#   tools/dist_train.sh configs/matrix_ssl/benchmarks/resnet50_8xb512-linear-coslr-100e_in1k.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<run>/epoch_100.pth
# (a training checkpoint is read under 'backbone.'; an extracted backbone works too).
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    '../../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True,
                  init_cfg=dict(type='Pretrained', strict=True, checkpoint=None)),
    neck=dict(_delete_=True, type='PooledBatchNormNeck', in_channels=2048),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              init_cfg=dict(type='Normal', layer='Linear', std=0.01)))

train_dataloader = dict(batch_size=512, drop_last=True)

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.03 * 4096 / 256, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=100, by_epoch=True, begin=0, end=100, eta_min=0.0)
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=4096)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
