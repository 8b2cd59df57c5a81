# Linear probing of the tiny CPU M-MAE (configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py)
# on the demo digits: the ViT-B linear recipe with the tiny architecture and data.
_base_ = './vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'

data_root = 'data/demo_digits/'
model = dict(
    backbone=dict(
        _delete_=True, type='VisionTransformer',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=256),
        img_size=32, patch_size=4, frozen_stages=4, out_type='cls_token', final_norm=True,
        init_cfg=dict(type='Pretrained', strict=True, checkpoint='', prefix='backbone.')),
    neck=dict(input_features=128),
    head=dict(num_classes=10, in_channels=128))
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=64, num_workers=2,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 ann_file='meta/train.txt', data_prefix='train', pipeline=pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2,
    dataset=dict(_delete_=True, type='CustomDataset', data_root=data_root,
                 ann_file='meta/val.txt', data_prefix='val', pipeline=pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.1))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, by_epoch=True, begin=0, end=10)]
train_cfg = dict(by_epoch=True, max_epochs=10)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
