"""Covariance spectrum, effective rank, RankMe and LiDAR of backbone embeddings, per checkpoint.

    python tools/analysis/spectrum.py CONFIG [CHECKPOINT ...] [--random-init] \\
        [--split val|train] [--names NAME ...] [--out-dir DIR] [--lidar-views 8]

Embeds the ``knn_eval.<split>_dataset`` of CONFIG with the backbone of each
checkpoint (any checkpoint whose backbone fits the config's: this plugin's,
an extracted one, or e.g. an mmpretrain BYOL checkpoint), computes the
eigenvalues of the feature covariance :math:`C(Z, Z)` and its effective rank
(``mssl_plugin.functional``), and writes ``spectrum.png`` (log-scale normalised
spectra on one figure, effective ranks as bars) and ``spectrum.json`` with the numbers.

It also prints the two label-free selection signals (no label is read): RankMe of
the same embeddings and LiDAR of up to ``--lidar-images`` images of the split in
``--lidar-views`` views of the config's training augmentation (``view_pipeline``;
the same views for every checkpoint). Compare them across checkpoints of one run
or one method (``benchmarks/RESULTS.md`` section 5 says when they can be trusted).
"""
import argparse
import json
import os
import os.path as osp
import random
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402


def spectrum_of(features: torch.Tensor) -> dict:
    """Eigenvalues (descending) and effective rank of the covariance of ``features``."""
    from mssl_plugin.functional import covariance, effective_rank
    cov = covariance(features.double())
    eigenvalues = torch.linalg.eigvalsh(cov).flip(0).clamp_min(0)
    return dict(effective_rank=float(effective_rank(cov)), eigenvalues=eigenvalues.tolist(),
                num_samples=int(features.shape[0]), dim=int(features.shape[1]))


def lidar_dataset(cfg, dataset_cfg, views: int, images: int):
    """``dataset_cfg`` restricted to its first ``images`` images, ``views`` augmented views each."""
    from copy import deepcopy
    from mmpretrain.registry import DATASETS
    dataset_cfg = deepcopy(dataset_cfg)
    pipeline = list(dataset_cfg.pipeline)
    dataset_cfg.pipeline = pipeline[:-1] + [
        dict(type='MultiView', num_views=views, transforms=[cfg.view_pipeline]), pipeline[-1]]
    dataset_cfg.indices = images
    return DATASETS.build(dataset_cfg)


def plot(results: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw=dict(width_ratios=[2, 1]))
    for name, row in results.items():
        values = torch.tensor(row['eigenvalues'])
        values = values / values.sum()
        values = values[values > 1e-12]  # the rest is numerically zero (rank <= samples - 1)
        left.semilogy(range(1, len(values) + 1), values.numpy(),
                      label=f"{name} (erank {row['effective_rank']:.1f})")
    left.set_xlabel('eigenvalue index')
    left.set_ylabel('eigenvalue / trace (log scale)')
    left.set_title('covariance spectrum of the embeddings')
    left.legend(fontsize=8)
    names = list(results)
    right.barh(range(len(names)), [results[n]['effective_rank'] for n in names])
    right.set_yticks(range(len(names)), names, fontsize=8)
    right.set_xlabel('effective rank')
    right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    try:
        return run(argv)
    except ValueError as error:  # CheckpointFileError, a backbone that does not fit
        if argv is not None and '--verbose' in argv:
            raise
        raise SystemExit(f'error: {error}')


def run(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='*')
    parser.add_argument('--random-init', action='store_true')
    parser.add_argument('--split', choices=['val', 'train'], default='val')
    parser.add_argument('--names', nargs='+', help='legend names, one per checkpoint')
    parser.add_argument('--out-dir', default='work_dirs/spectrum')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--lidar-views', type=int, default=8,
                        help='augmented views per image for LiDAR (0: no LiDAR)')
    parser.add_argument('--lidar-images', type=int, default=600,
                        help='images for LiDAR; more than the feature width')
    parser.add_argument('--verbose', action='store_true',
                        help="show mmengine's per-parameter init report")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset_key = f'{args.split}_dataset'
    if dataset_key not in cfg.get('knn_eval', {}):
        parser.error(f'{args.config} has no knn_eval.{dataset_key}')
    if not args.checkpoints and not args.random_init:
        parser.error('give at least one CHECKPOINT or --random-init')
    if args.names and len(args.names) != len(args.checkpoints):
        parser.error(f'--names needs {len(args.checkpoints)} names, got {len(args.names)}')
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmpretrain.registry import DATASETS
    from mssl_plugin.analysis import (build_model_with_backbone, embed_dataset, embed_views,
                                      reestimate_batchnorm)
    from mssl_plugin.functional import lidar, rankme
    dataset = DATASETS.build(cfg.knn_eval[dataset_key])
    views = None
    if args.lidar_views >= 2 and 'view_pipeline' in cfg:
        views = lidar_dataset(cfg, cfg.knn_eval[dataset_key], args.lidar_views,
                              min(args.lidar_images, len(dataset)))
    names = args.names or [osp.basename(c) for c in args.checkpoints]
    runs = [('random init', None)] if args.random_init else []
    runs += list(zip(names, args.checkpoints))
    results = {}
    for name, checkpoint in runs:
        print(f'embedding the {args.split} split ({len(dataset)} images) for {name}')
        model = build_model_with_backbone(cfg, checkpoint, args.seed, verbose=args.verbose)
        if checkpoint is None:  # BatchNorm statistics of the data, as for the kNN floor
            reestimate_batchnorm(model, DATASETS.build(cfg.knn_eval.train_dataset))
        features, _ = embed_dataset(model, dataset, cfg.knn_eval.get('batch_size', 128),
                                    normalize=False)
        results[name] = spectrum_of(features)
        results[name]['checkpoint'] = checkpoint
        results[name]['rankme'] = float(rankme(features.double()))
        line = (f"  effective rank {results[name]['effective_rank']:.2f} "
                f"of {results[name]['dim']} dimensions, RankMe {results[name]['rankme']:.2f}")
        if views is not None:
            torch.manual_seed(args.seed)  # the same views for every checkpoint
            np.random.seed(args.seed)
            random.seed(args.seed)
            results[name]['lidar'] = float(lidar(embed_views(model, views).double()))
            line += f", LiDAR {results[name]['lidar']:.2f}"
        print(line)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, 'spectrum.json'), 'w') as f:
        json.dump(dict(config=args.config, split=args.split, results=results), f, indent=1)
    plot(results, osp.join(args.out_dir, 'spectrum.png'))
    print(f'wrote {osp.join(args.out_dir, "spectrum.png")} and spectrum.json')
    return results


if __name__ == '__main__':
    main()
