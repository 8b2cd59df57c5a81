# M-MAE in small, where features have to beat the pixels: the ViT, views and regulariser
# (TCR on the CLS feature, weight 1e-2, mu 3) of m-mae_vit-tiny-p4_1xb128-coslr-8e_fashion-mnist.py,
# pretrained on 48,000 Fashion-MNIST train images (every train image but the quality study's
# held-out 50,000-51,999) for 6 epochs of 375 iterations (2,250 steps, 3.6x the 8-epoch
# recipe's; about 15 minutes on 2 idle cores), at AdamW lr 1.5e-3: the second quality study
# (benchmarks/quality_bench.py --study fashion-mnist-48k, benchmarks/RESULTS.md section 7)
# selected it on held-out train images over the published lr 3e-4 (seed 0: 80.90 kNN /
# 81.45 linear against 80.30 / 81.45). The study trains its grid (MAE, U-MAE, M-MAE) from
# benchmarks/configs/mae-family_vit-tiny-p4_1xb128-lr3e-4-coslr-6e_fashion-mnist-48k.py,
# this config at the published lr.
_base_ = './m-mae_vit-tiny-p4_1xb128-coslr-8e_fashion-mnist.py'

num_pretrain_images = 48000
max_epochs = 6
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
train_dataloader = dict(dataset=dict(indices=num_pretrain_images))
knn_eval = dict(train_dataset=dict(indices=num_pretrain_images))
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=2))
custom_hooks = [dict(type='MatrixInfoHook', interval=75)]
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
