"""Step cost of candidate small-image backbones for the Fashion-MNIST study (issue 27).

    .venv/bin/python benchmarks/small_image_cost.py [--rounds 3] [--threads 2]

Each candidate is the study's Matrix-SSL (or M-MAE) Fashion-MNIST config with only the
backbone (and the neck's input width) replaced; one step is mmengine's ``train_step`` of
a batch of 128 grey 28 x 28 images in two views (one view for M-MAE): preprocessing,
forward, loss, backward, optimiser step, EMA update. Minimum over ``--rounds`` timed steps
after two warm-up steps, all candidates in one process, interleaved.
"""
import argparse
import os.path as osp
import sys
import time
import warnings

warnings.filterwarnings('ignore')

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
import mssl_plugin  # noqa: E402,F401
from mmpretrain.registry import MODELS  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

SIAMESE = 'configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'
MAE = 'configs/m_mae/m-mae_vit-tiny-p4_1xb128-coslr-8e_fashion-mnist.py'


def resnet(kind, width, strides=(1, 2, 2, 2)):
    backbone = dict(type=kind, depth=18, in_channels=1, stem_channels=width,
                    base_channels=width, norm_cfg=dict(type='BN'))
    if kind == 'ResNet_CIFAR':
        backbone['strides'] = strides
    return backbone


SIAMESE_CANDIDATES = {
    'ResNet-18 w32, ImageNet stem (the 4.3 study)': resnet('ResNet', 32),
    'ResNet_CIFAR-18 w16': resnet('ResNet_CIFAR', 16),
    'ResNet_CIFAR-18 w32': resnet('ResNet_CIFAR', 32),
    'ResNet_CIFAR-18 w64': resnet('ResNet_CIFAR', 64),
    'ResNet_CIFAR-18 w32, stride-2 first stage': resnet('ResNet_CIFAR', 32, (2, 2, 2, 2)),
    'ResNet_CIFAR-18 w64, stride-2 first stage': resnet('ResNet_CIFAR', 64, (2, 2, 2, 2)),
}


def vit(patch, dims, layers, heads):
    return dict(arch=dict(embed_dims=dims, num_layers=layers, num_heads=heads,
                          feedforward_channels=4 * dims), patch=patch)


MAE_CANDIDATES = {
    'ViT 128-d x 4, patch 4 (the 4.3 study)': vit(4, 128, 4, 4),
    'ViT 192-d x 6, patch 4': vit(4, 192, 6, 3),
    'ViT 128-d x 4, patch 7': vit(7, 128, 4, 4),
    'ViT 192-d x 6, patch 7': vit(7, 192, 6, 3),
}


def siamese_model(backbone):
    cfg = Config.fromfile(osp.join(REPO, SIAMESE))
    cfg.model.backbone = backbone
    cfg.model.neck.in_channels = 8 * backbone['base_channels']
    return cfg.model, cfg.optim_wrapper


def mae_model(spec):
    cfg = Config.fromfile(osp.join(REPO, MAE))
    patch, arch = spec['patch'], spec['arch']
    cfg.model.backbone.arch = arch
    cfg.model.backbone.patch_size = patch
    cfg.model.neck.update(num_patches=(28 // patch) ** 2, patch_size=patch,
                          embed_dim=arch['embed_dims'])
    cfg.model.head.patch_size = patch
    return cfg.model, cfg.optim_wrapper


def data(views, n=128):
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=generator)
    inputs = [images.clone() for _ in range(views)]
    return dict(inputs=inputs if views > 1 else images,
                data_samples=[DataSample().set_gt_label(i % 10) for i in range(n)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--only', choices=['siamese', 'mae'])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmpretrain')
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    MessageHub.get_current_instance().update_info('iter', 0)
    groups = []
    if args.only != 'mae':
        groups.append(('Matrix-SSL step, 2 views', SIAMESE_CANDIDATES, siamese_model, 2))
    if args.only != 'siamese':
        groups.append(('M-MAE step, 1 view', MAE_CANDIDATES, mae_model, 1))
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, batch 128, 28 x 28 '
          f'grey, min of {args.rounds} steps after 2 warm-up steps')
    for title, candidates, make, views in groups:
        batch = data(views)
        built = {}
        for name, spec in candidates.items():
            model_cfg, optim_cfg = make(spec)
            torch.manual_seed(0)
            model = MODELS.build(model_cfg)
            model.init_weights()
            model.train()
            optim = build_optim_wrapper(model, optim_cfg)
            for _ in range(2):
                model.train_step(batch, optim)
            params = sum(p.numel() for p in model.backbone.parameters()) / 1e6
            built[name] = (model, optim, params)
        times = {name: [] for name in built}
        for _ in range(args.rounds):
            for name, (model, optim, _) in built.items():
                start = time.perf_counter()
                model.train_step(batch, optim)
                times[name].append(time.perf_counter() - start)
        first = min(next(iter(times.values())))
        print(f'\n{title}')
        print('| backbone | backbone params (M) | step (s) | vs the 4.3 study | '
              'epoch of 10k images (s) | epoch of 50k images (s) |')
        print('|---|---|---|---|---|---|')
        for name, values in times.items():
            step = min(values)
            print(f'| {name} | {built[name][2]:.2f} | {step:.3f} | {step / first:.1f}x | '
                  f'{step * (10000 // 128):.0f} | {step * (50000 // 128):.0f} |', flush=True)


if __name__ == '__main__':
    main()
