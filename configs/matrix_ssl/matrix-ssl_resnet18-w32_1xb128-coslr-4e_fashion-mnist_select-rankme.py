# Label-free checkpoint selection: the Fashion-MNIST recipe with a val loop that reads
# no label. After every epoch RankMe and LiDAR are computed on 1,000 pretraining images
# and CheckpointHook keeps the checkpoint with the best backbone RankMe
# (best_rankme_backbone_epoch_N.pth) besides the usual epoch checkpoints.
_base_ = './matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'

# view 0: the image as it is (RankMe); views 1-10: the training augmentation (LiDAR, one
# surrogate class per image)
label_free_pipeline = [
    dict(type='MultiView', num_views=[1, 10], transforms=[[], {{_base_.view_pipeline}}]),
    dict(type='PackInputs'),
]
val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='FashionMNIST', data_root={{_base_.data_root}}, split='train',
                 download=False, indices=1000, pipeline=label_free_pipeline))
val_evaluator = [
    dict(type='RankMe', view=0, max_images=1000),
    dict(type='LiDAR', first_view=1, max_images=1000),
]
val_cfg = dict(type='ValLoop')
train_cfg = dict(val_interval=1)
default_hooks = dict(
    checkpoint=dict(save_best='rankme/backbone', rule='greater'))
