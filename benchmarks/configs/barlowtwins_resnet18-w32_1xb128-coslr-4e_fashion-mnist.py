# Quality-study baseline: mmpretrain's Barlow Twins with the Matrix-SSL Fashion-MNIST
# setting (half-width ResNet-18, views, optimiser, schedule). Its projector is the same
# 256-1024-256 MLP without the final BN (LatentCrossCorrelationHead applies its own
# BatchNorm), no predictor, no teacher, as published. The study searches lr / lambda.
_base_ = '../../configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'

model = dict(
    _delete_=True,
    type='BarlowTwins',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    neck=dict(type='NonLinearNeck', in_channels=256, hid_channels=1024, out_channels=256,
              num_layers=3, with_bias=False, with_last_bn=False, with_last_bn_affine=False,
              with_last_bias=False, with_avg_pool=True, norm_cfg=dict(type='BN1d')),
    head=dict(type='LatentCrossCorrelationHead', in_channels=256,
              loss=dict(type='CrossCorrelationLoss', lambd=0.0051)))
custom_hooks = []
