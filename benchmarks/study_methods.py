"""The Fashion-MNIST studies: their methods, search grids and sizes, in one place.

Read by ``quality_bench.py`` (training, read-outs) and ``label_free_bench.py`` (RankMe /
LiDAR of the study's checkpoints), which therefore need not import each other for it.

Two studies (``STUDIES``): the first (RESULTS.md 4.3, 2026-12-01) pretrained on 10,000
images for 4 (ResNet) / 8 (ViT) epochs; the second (RESULTS.md 7) on 48,000 images (every
train image but the held-out ones) for 6 epochs, the regime where features have to beat the
raw pixels. Same networks, views and grids; the second drops Barlow Twins (last of its
family in the first) to afford the longer runs.
"""

SIAMESE_BASE = 'configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'
MAE_BASE = 'configs/m_mae/m-mae_vit-tiny-p4_1xb128-coslr-8e_fashion-mnist.py'
GRID_SIZE = 2
LOSS = 'model.head.loss.'
REG = 'model.uniformity_head.loss.'
# name -> base config, grid of --cfg-options (4 entries each, first = default; the first
# --grid-size entries are searched, so the order is the search priority)
METHODS = {
    'Matrix-SSL': dict(config=SIAMESE_BASE, family='siamese', grid=[
        {},  # published: lam = mu = gamma = 1, order-4 Taylor log, lr 0.5 x batch / 256
        {LOSS + 'gamma': 0.1},
        {LOSS + 'lam': 0.5, LOSS + 'mu': 0.5},  # the reference pretrain.sh defaults
        {LOSS + 'log_method': 'eigh'},  # exact matrix log instead of the Taylor series
    ]),
    'BYOL': dict(config='benchmarks/configs/byol_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py',
                 family='siamese', grid=[
                     {},
                     {'optim_wrapper.optimizer.lr': 0.5},
                     {'optim_wrapper.optimizer.lr': 0.125},
                     {'optim_wrapper.optimizer.weight_decay': 1e-4},
                 ]),
    'SimSiam': dict(
        config='benchmarks/configs/simsiam_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py',
        family='siamese', grid=[
            {'optim_wrapper.optimizer.lr': 0.025},  # published 0.05 x batch / 256
            {'optim_wrapper.optimizer.lr': 0.1},
            {'optim_wrapper.optimizer.lr': 0.25},
            {'optim_wrapper.optimizer.lr': 0.1, 'optim_wrapper.optimizer.weight_decay': 5e-4},
        ]),
    'Barlow Twins': dict(
        config='benchmarks/configs/barlowtwins_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py',
        family='siamese', grid=[
            {},
            {'optim_wrapper.optimizer.lr': 0.1},
            {'optim_wrapper.optimizer.lr': 0.5},
            {LOSS + 'lambd': 1.0 / 256},  # off-diagonal weight ~ 1 / dimension
        ]),
    'MAE': dict(config=MAE_BASE, family='mae', grid=[
        {REG + 'loss_weight': 0.0},  # no regulariser: mmpretrain's MAE objective (tested equal)
        {REG + 'loss_weight': 0.0, 'optim_wrapper.optimizer.lr': 1.5e-3},
        {REG + 'loss_weight': 0.0, 'optim_wrapper.optimizer.lr': 3e-3},
        {REG + 'loss_weight': 0.0, 'model.backbone.mask_ratio': 0.6},
    ]),
    'U-MAE': dict(config=MAE_BASE, family='mae', grid=[
        {REG + 'reg': 'square', REG + 'loss_weight': 0.01},
        {REG + 'reg': 'square', REG + 'loss_weight': 0.01, 'optim_wrapper.optimizer.lr': 1.5e-3},
        {REG + 'reg': 'square', REG + 'loss_weight': 0.1},
        {REG + 'reg': 'square', REG + 'loss_weight': 1.0},
    ]),
    'M-MAE': dict(config=MAE_BASE, family='mae', grid=[
        {},  # published: TCR, weight 1e-2, mu 3
        {REG + 'loss_weight': 1e-2, 'optim_wrapper.optimizer.lr': 1.5e-3},
        {REG + 'loss_weight': 0.1},
        {REG + 'mu': 1.0},
    ]),
}

# the second study: 48,000 pretraining images (train indices 0-47,999; the held-out ones
# are 50,000-51,999), 6 epochs of 375 iterations, read-outs every 2 epochs
# the shipped recipes are the selected configurations; each grid starts from the published
# setting, which the shipped recipes no longer use (the study selected Matrix-SSL's gamma 0.1
# and the MAE family's lr 1.5e-3), so the grids train from these bases
SIAMESE_48K = ('benchmarks/configs/'
               'matrix-ssl_resnet18-w32_1xb128-gamma1-coslr-6e_fashion-mnist-48k.py')
MAE_48K = 'benchmarks/configs/mae-family_vit-tiny-p4_1xb128-lr3e-4-coslr-6e_fashion-mnist-48k.py'
CONFIGS_48K = {
    'Matrix-SSL': SIAMESE_48K,
    'BYOL': 'benchmarks/configs/byol_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py',
    'SimSiam': 'benchmarks/configs/simsiam_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py',
    'MAE': MAE_48K, 'U-MAE': MAE_48K, 'M-MAE': MAE_48K,
}
METHODS_48K = {name: dict(METHODS[name], config=config) for name, config in CONFIGS_48K.items()}

STUDIES = {
    'fashion-mnist-10k': dict(
        images=10000, methods=METHODS, floors=dict(siamese=SIAMESE_BASE, mae=MAE_BASE),
        about='10,000 pretraining images, 4 (ResNet) / 8 (ViT) epochs (RESULTS.md 4.3)'),
    'fashion-mnist-48k': dict(
        images=48000, methods=METHODS_48K, floors=dict(siamese=SIAMESE_48K, mae=MAE_48K),
        # the shipped small-data recipes: each the selected grid entry of its method
        recipes={'Matrix-SSL':
                 'configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-6e_fashion-mnist-48k.py',
                 'M-MAE': 'configs/m_mae/m-mae_vit-tiny-p4_1xb128-coslr-6e_fashion-mnist-48k.py'},
        about='48,000 pretraining images, 6 epochs (RESULTS.md 7)'),
}
DEFAULT_STUDY = 'fashion-mnist-48k'
