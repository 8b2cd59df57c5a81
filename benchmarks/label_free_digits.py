"""Label-free selection on a second data set: RankMe / LiDAR against kNN and a linear probe
on the demo digits.

    .venv/bin/python benchmarks/label_free_digits.py [--out-dir work_dirs/label_free_digits]
        [--runs ID ...] [--report-only] [--quick]

The Fashion-MNIST quality study (``quality_bench.py --label-free``) is the main evidence;
this repeats the measurement on scikit-learn's digits (``make data``: 1,438 train / 359 val
images, 32 px), where the pretraining images, views, resolution and architectures
(full-width ResNet-18 with 512-d features, a 128-d ViT) differ. Declared in ``RUNS``: two
configurations each of Matrix-SSL and BYOL (3 epochs, the demo setting) and M-MAE / MAE
(10 epochs), seed 0, every epoch checkpoint kept (every second for the ViTs).

For each checkpoint, without a label: RankMe of all train images' backbone features (and the
projector outputs of the Siamese methods), LiDAR of ``--lidar-images`` train images in 8
views of the digits' training augmentation (the same views for every checkpoint and method).
With labels, for the comparison only: weighted kNN (k 20, T 0.07) and a logistic-regression
probe, train split -> val split. Rows go to ``label_free.jsonl`` in the out dir as they come
(a checkpoint already there is skipped; a trained run is not retrained); the report is
``label_free_bench.py``'s (Spearman per method / pooled / per decision, and the cost of
choosing by each metric), written to ``label_free.json`` and ``label_free.png``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'benchmarks'))

import label_free_bench  # noqa: E402

SIAMESE = 'configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-3e_digits.py'
BYOL = 'benchmarks/configs/byol_resnet18_1xb64-coslr-3e_digits.py'
VIT = 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py'
# label-free pretraining: the ViT config's online probe would read labels
VIT_OPTIONS = {'model.probe_head': None, 'default_hooks.checkpoint.interval': 2}
# run id -> method, config index, config, --cfg-options
# (in this order: one config of every method first, the second configs after)
RUNS = {
    'matrix-ssl_c0': ('Matrix-SSL', 0, SIAMESE, {}),
    'byol_c0': ('BYOL', 0, BYOL, {}),
    'm-mae_c0': ('M-MAE', 0, VIT, dict(VIT_OPTIONS)),
    'mae_c0': ('MAE', 0, VIT, dict(VIT_OPTIONS, **{
        'model.uniformity_head.loss.loss_weight': 0.0})),
    'matrix-ssl_c1': ('Matrix-SSL', 1, SIAMESE, {'model.head.loss.gamma': 0.1}),
    'byol_c1': ('BYOL', 1, BYOL, {'optim_wrapper.optimizer.lr': 0.5}),
}
DEFAULTS = dict(lidar_images=800, views=8)
QUICK = dict(images=64, epochs=1, lidar_images=32, views=2)
DIGITS = osp.join(REPO, 'data/demo_digits')


def digits(data_root, split, pipeline, indices=None):
    return dict(type='CustomDataset', data_root=data_root, ann_file=f'meta/{split}.txt',
                data_prefix=split, indices=indices, pipeline=pipeline)


def config_of(run, data_root):
    from mmengine.config import Config
    _, _, config, options = RUNS[run]
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.merge_from_dict(dict(options, **{'train_dataloader.dataset.data_root': data_root}))
    return cfg


def train(run, out_dir, data_root, quick):
    """Train one declared run into ``out_dir/run`` unless its last checkpoint is complete."""
    from mssl_plugin.engine.checkpoint_files import is_complete_checkpoint
    _, _, config, options = RUNS[run]
    options = dict(options, **{'train_dataloader.dataset.data_root': data_root,
                               'randomness.seed': 0,
                               'default_hooks.checkpoint.max_keep_ckpts': -1})
    if quick:
        options.update({'train_cfg.max_epochs': QUICK['epochs'],
                        'default_hooks.checkpoint.interval': 1,
                        'train_dataloader.dataset.indices': QUICK['images']})
    epochs = options.get('train_cfg.max_epochs', config_of(run, data_root).train_cfg.max_epochs)
    work_dir = osp.join(out_dir, run)
    last = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(last) and is_complete_checkpoint(last):
        return work_dir, epochs
    print(f'training {run}', flush=True)
    command = [sys.executable, osp.join(REPO, 'tools/train.py'), osp.join(REPO, config),
               '--work-dir', work_dir, '--cfg-options',
               *[f'{k}={v}' for k, v in options.items()]]
    with open(work_dir + '.log', 'w') as log:
        code = subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT).returncode
    if code:
        raise RuntimeError(f'training {run} failed (exit {code}): see {work_dir}.log')
    return work_dir, epochs


def readouts(model, data):
    """kNN and linear-probe top-1 of ``model``'s backbone, train split -> val split (the
    quality study's read-outs, ``quality_bench.Study.readouts``)."""
    from mssl_plugin.analysis import embed_dataset
    from quality_bench import Study
    features = {split: embed_dataset(model, data[split], 256, progress=False, num_workers=0)
                for split in ('bank', 'val')}
    return Study.readouts(features, 'val')


def measure(runs, out_dir, data_root, lidar_images, views, quick=False):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    import mssl_plugin  # noqa: F401  (registers the plugin before the datasets build)
    init_default_scope('mmpretrain')
    out_path = osp.join(out_dir, 'label_free.jsonl')
    done = label_free_bench.load_rows(out_path)
    load = [dict(type='LoadImageFromFile')]
    view_pipeline = Config.fromfile(osp.join(
        REPO, 'configs/_base_/datasets/demo-digits_bs64_two-views.py')).view_pipeline
    images = QUICK['images'] if quick else None
    in_views = [dict(type='MultiView', num_views=views, transforms=[view_pipeline])]
    embedder = label_free_bench.Embedder(
        digits(data_root, 'train', load + [dict(type='PackInputs')], indices=images),
        digits(data_root, 'train', load + in_views + [dict(type='PackInputs')],
               indices=lidar_images))
    data = dict(bank=DATASETS.build(digits(data_root, 'train', load + [dict(type='PackInputs')],
                                           indices=images)),
                val=DATASETS.build(digits(data_root, 'val', load + [dict(type='PackInputs')])))
    for run in runs:
        method, config_index, config, options = RUNS[run]
        work_dir, epochs = train(run, out_dir, data_root, quick)
        for epoch, path in label_free_bench.checkpoints(work_dir):
            key = f'{run}@{epoch}'
            if key in done:
                continue
            print(f'measuring {key}', flush=True)
            # one model for both: the whole checkpoint, so also its backbone
            model = label_free_bench.Embedder.build(osp.join(REPO, config), options, path)
            row = dict(id=key, run=run, method=method, config=config_index, seed=0,
                       epoch=epoch, final=epoch == epochs, **embedder.measure(model),
                       **readouts(model, data))
            with open(out_path, 'a') as f:
                f.write(json.dumps(row) + '\n')
            done[key] = row
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default=osp.join(REPO, 'work_dirs/label_free_digits'))
    parser.add_argument('--runs', nargs='+', default=list(RUNS), choices=list(RUNS))
    parser.add_argument('--lidar-images', type=int, default=DEFAULTS['lidar_images'],
                        help='LiDAR images (surrogate classes); more than the width (512)')
    parser.add_argument('--views', type=int, default=DEFAULTS['views'])
    parser.add_argument('--data-root', default=DIGITS,
                        help='the digits in ImageNet layout (tools/make_demo_data.py)')
    parser.add_argument('--report-only', action='store_true',
                        help='measure nothing new; analyse what is recorded')
    parser.add_argument('--quick', action='store_true',
                        help='1 epoch on 64 images per run, small LiDAR: a smoke test')
    args = parser.parse_args(argv)
    data_root = osp.abspath(args.data_root)
    if not osp.isfile(osp.join(data_root, 'meta/val.txt')):
        sys.exit(f'the demo digits are missing in {data_root}: run `make data` '
                 '(or pass --data-root)')
    os.makedirs(args.out_dir, exist_ok=True)
    if args.report_only:
        rows = label_free_bench.load_rows(osp.join(args.out_dir, 'label_free.jsonl'))
    elif args.quick:
        rows = measure(args.runs, args.out_dir, data_root, QUICK['lidar_images'],
                       QUICK['views'], True)
    else:
        rows = measure(args.runs, args.out_dir, data_root, args.lidar_images, args.views)
    if not rows:
        print(f'nothing measured in {args.out_dir}')
        return 1
    label_free_bench.report(rows.values(), args.out_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
