# Second quality study's baseline (benchmarks/quality_bench.py --study fashion-mnist-48k): the
# 4-epoch baseline (simsiam_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py) with exactly the
# data and schedule of the Matrix-SSL 48k recipe (configs/matrix_ssl/
# matrix-ssl_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py): 48,000 images, 6 epochs,
# checkpoints every 2 epochs.
_base_ = './simsiam_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'

num_pretrain_images = 48000
max_epochs = 6
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0.0, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
train_dataloader = dict(dataset=dict(indices=num_pretrain_images))
knn_eval = dict(train_dataset=dict(indices=num_pretrain_images))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=2))
