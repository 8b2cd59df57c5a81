"""Weighted kNN top-1 of frozen backbone features (mmpretrain has no kNN tool).

    python tools/knn_eval.py CONFIG [CHECKPOINT ...] [--random-init] [--raw-pixels] [--k 20]

Embeds ``knn_eval.train_dataset`` and ``knn_eval.val_dataset`` of the config with
the model's backbone (loaded strictly from each checkpoint: plugin, extracted,
official or another mmpretrain method's file with the same backbone; global average
pool of the last stage, L2-normalised),
then classifies each val image by the cosine-similarity-weighted vote
:math:`\\sum \\exp(s / T)` of its k nearest train images (InstDisc / DINO
protocol). ``--random-init`` evaluates the same architecture at its random
initialisation next to the checkpoints, its BatchNorm statistics re-estimated on
the train split (a fair floor); ``--raw-pixels`` adds the flattened images themselves
(no network: what a learned feature has to beat). Prints one line per model and writes
them as JSON with ``--out``. A checkpoint that cannot be read is reported in one line
and skipped; the others are still evaluated and written, and the exit code is 1.
"""
import argparse
import json
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='*')
    parser.add_argument('--random-init', action='store_true',
                        help='also evaluate the randomly initialised backbone')
    parser.add_argument('--raw-pixels', action='store_true',
                        help='also evaluate the flattened images themselves (no network)')
    parser.add_argument('--k', type=int)
    parser.add_argument('--temperature', type=float)
    parser.add_argument('--seed', type=int, default=0, help='seed of the random init')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument('--verbose', action='store_true',
                        help="show mmengine's per-parameter init report")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_intermixed_args(argv)  # CONFIG --random-init CKPT works too
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'knn_eval' not in cfg:
        parser.error(f'{args.config} has no `knn_eval = dict(train_dataset=..., val_dataset=...)`')
    if not args.checkpoints and not args.random_init and not args.raw_pixels:
        parser.error('give at least one CHECKPOINT, --random-init or --raw-pixels')
    knn = cfg.knn_eval
    k = args.k or knn.get('k', 20)
    temperature = args.temperature or knn.get('temperature', 0.07)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmpretrain.registry import DATASETS
    train_set, val_set = DATASETS.build(knn.train_dataset), DATASETS.build(knn.val_dataset)
    runs = ([('random init', None)] if args.random_init else []) + \
        [(path, path) for path in args.checkpoints]
    results = []
    from mssl_plugin.analysis import (build_model_with_backbone, embed_dataset, embed_pixels,
                                      knn_top1, reestimate_batchnorm)
    from mssl_plugin.engine import CheckpointFileError
    batch_size = knn.get('batch_size', 128)
    failed = []
    if args.raw_pixels:
        train_x, train_y = embed_pixels(train_set, batch_size)
        val_x, val_y = embed_pixels(val_set, batch_size)
        results.append(dict(model='raw pixels (no network)',
                            knn_top1=knn_top1(train_x, train_y, val_x, val_y, k, temperature),
                            k=k, temperature=temperature, num_train=len(train_set),
                            num_val=len(val_set)))
    for name, checkpoint in runs:
        try:
            model = build_model_with_backbone(cfg, checkpoint, args.seed, verbose=args.verbose)
        except (CheckpointFileError, ValueError) as error:
            if args.verbose:
                raise
            print(f'  skipped {name}: {error}')
            failed.append(dict(model=name, error=str(error)))
            continue
        if checkpoint is None:
            reestimate_batchnorm(model, train_set, batch_size)
        print(f'  embedding the train and val splits for {name}')
        train_x, train_y = embed_dataset(model, train_set, batch_size)
        val_x, val_y = embed_dataset(model, val_set, batch_size)
        top1 = knn_top1(train_x, train_y, val_x, val_y, k, temperature)
        results.append(dict(model=name, knn_top1=top1, k=k, temperature=temperature,
                            num_train=len(train_set), num_val=len(val_set)))
    print(f'kNN top-1 on the val split (k={k}, T={temperature}):')
    for row in results:
        print(f'  {row["knn_top1"]:6.2f}%  {row["model"]}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results + failed, f, indent=2)
    if failed:
        sys.exit(f'error: {len(failed)} of {len(runs)} checkpoint(s) could not be evaluated: '
                 + '; '.join(row['error'] for row in failed))
    return results


if __name__ == '__main__':
    main()
