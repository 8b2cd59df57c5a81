# Matrix-SSL as published: ResNet-50 (zero-init residual), projector 2048-2048-2048
# (Linear no bias, BN, ReLU, Linear no bias, BN, ReLU, Linear, BN affine=False),
# predictor 2048-512-2048 (Linear no bias, BN, ReLU, Linear), EMA target of
# backbone + projector with momentum 0.996 -> 1 (cosine, per iteration).
model = dict(
    type='MatrixSSL',
    base_momentum=0.004,
    end_momentum=0.0,
    backbone=dict(
        type='ResNet', depth=50, norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(
        type='NonLinearNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=2048,
        num_layers=3,
        with_bias=False,
        with_last_bn=True,
        with_last_bn_affine=False,
        with_last_bias=True,
        with_avg_pool=True,
        norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MatrixSSLHead',
        predictor=dict(
            type='NonLinearNeck',
            in_channels=2048,
            hid_channels=512,
            out_channels=2048,
            num_layers=2,
            with_bias=False,
            with_last_bn=False,
            with_last_bias=True,
            with_avg_pool=False,
            norm_cfg=dict(type='SyncBN')),
        # reference script: lam = mu = gamma = 1, order-4 Taylor log, no trace term
        loss=dict(type='MatrixSSLLoss', lam=1.0, mu=1.0, gamma=1.0, order=4,
                  log_method='taylor', trace_term=False, scaled_identity=False,
                  divergence='mce')))

# effective rank, matrix entropy (and mutual information between the views) of the
# embeddings the forward pass computes anyway, every 50 iterations
custom_hooks = [dict(type='MatrixInfoHook', interval=50)]
