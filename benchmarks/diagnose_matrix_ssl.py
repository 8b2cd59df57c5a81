"""Which term drives Matrix-SSL, and what changes with gamma, lam, mu and the exact log.

    .venv/bin/python benchmarks/diagnose_matrix_ssl.py [--out-dir work_dirs/diagnose]
        [--images 5000] [--epochs 2] [--variants NAME ...] [--quick]

Trains the Fashion-MNIST recipe (``configs/matrix_ssl/
matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py``) once per variant below, with
``model.head.log_term_gradients=True``: every logged iteration records the norm of the
gradient the weighted uniformity and alignment terms send to the online projections
(``grad_norm_uniformity`` / ``grad_norm_alignment``) next to ``MatrixInfoHook``'s
effective ranks of the backbone and projector features. After training, the held-out
read-outs of ``benchmarks/quality_bench.py`` (kNN and linear probe on 2,000 held-out
train images) are taken on the last checkpoint. Prints one table (start / middle / end of
each series) and writes ``diagnose.json``; a variant already recorded there is skipped.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'configs/matrix_ssl/matrix-ssl_resnet18-w32_1xb128-coslr-4e_fashion-mnist.py'
LOSS = 'model.head.loss.'
VARIANTS = {
    'published': {},
    'gamma 0 (no alignment)': {LOSS + 'gamma': 0.0},
    'gamma 0.1': {LOSS + 'gamma': 0.1},
    'lam 2': {LOSS + 'lam': 2.0},
    'mu 0.5': {LOSS + 'mu': 0.5},
    'exact log, mu 1': {LOSS + 'log_method': 'eigh'},
    'exact log, mu 0.1': {LOSS + 'log_method': 'eigh', LOSS + 'mu': 0.1},
}
SERIES = ('grad_norm_uniformity', 'grad_norm_alignment', 'uniformity', 'alignment',
          'erank/backbone', 'erank/projector_v1')


def train(name, options, out_dir, images, epochs, quick):
    work_dir = osp.join(out_dir, name.replace(' ', '_').replace(',', ''))
    settings = dict(options)
    settings.update({'model.head.log_term_gradients': True, 'train_cfg.max_epochs': epochs,
                     'train_dataloader.dataset.indices': images,
                     'default_hooks.logger.interval': 1 if quick else 10,
                     'custom_hooks.0.interval': 1 if quick else 10})
    if quick:
        settings['train_dataloader.batch_size'] = 64
    command = [sys.executable, osp.join(REPO, 'tools/train.py'), osp.join(REPO, CONFIG),
               '--work-dir', work_dir, '--cfg-options',
               *[f'{k}={v}' for k, v in settings.items()]]
    with open(work_dir + '.log', 'w') as log:
        result = subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    return work_dir, result.returncode


def read_series(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    rows = []
    for path in files[-1:]:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    return {key: [(row['step'], row[key]) for row in rows if key in row] for key in SERIES}


def readouts(work_dir, quick):
    sys.path.insert(0, osp.join(REPO, 'benchmarks'))
    from mmengine.config import Config
    from quality_bench import Study
    study = Study(osp.join(osp.dirname(work_dir), 'readouts'), quick=quick)
    checkpoints = study.checkpoints(work_dir)
    if not checkpoints:
        return None
    features = study.features(Config.fromfile(osp.join(REPO, CONFIG)), checkpoints[-1][1],
                              ('bank', 'heldout'))
    return study.readouts(features, 'heldout')


def summarise(series):
    def at(points, fraction):
        return points[min(len(points) - 1, int(fraction * (len(points) - 1)))][1] \
            if points else None
    return {key: [at(points, f) for f in (0.0, 0.5, 1.0)] for key, points in series.items()}


def format_table(results):
    header = (f'{"variant":<22}{"status":<8}' + ''.join(f'{k:>30}' for k in SERIES)
              + f'{"held-out kNN / lin":>20}')
    lines = ['start -> middle -> end of each logged series', header]
    for name, row in results.items():
        cells = []
        for key in SERIES:
            values = row.get('summary', {}).get(key) or []
            cells.append(' -> '.join('-' if v is None else f'{v:.3g}' for v in values) or '-')
        read = row.get('heldout')
        read = f'{read["knn"]:.1f} / {read["linear"]:.1f}' if read else '-'
        lines.append(f'{name:<22}{row["status"]:<8}' + ''.join(f'{c:>30}' for c in cells)
                     + f'{read:>20}')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out-dir', default=osp.join(REPO, 'work_dirs/diagnose'))
    parser.add_argument('--images', type=int, default=5000)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument('--quick', action='store_true',
                        help='256 images, 1 epoch, the first two variants (a smoke test)')
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO)
    from tools.prepare_fashion_mnist import MISSING_HELP, is_prepared
    if not is_prepared(osp.join(REPO, 'data/fashion_mnist')):
        sys.exit(MISSING_HELP)
    import mssl_plugin  # noqa: F401
    if args.quick:
        args.images, args.epochs, args.variants = 256, 1, list(VARIANTS)[:2]
    os.makedirs(args.out_dir, exist_ok=True)
    path = osp.join(args.out_dir, 'diagnose.json')
    results = json.load(open(path)) if osp.isfile(path) else {}
    for position, name in enumerate(args.variants, 1):
        if name in results:
            continue
        print(f'[{position}/{len(args.variants)}] {name}: {VARIANTS[name] or "defaults"}',
              flush=True)
        start = time.time()
        work_dir, code = train(name, VARIANTS[name], args.out_dir, args.images, args.epochs,
                               args.quick)
        row = dict(options=VARIANTS[name], status='ok' if code == 0 else 'failed',
                   train_s=round(time.time() - start), work_dir=work_dir)
        row['summary'] = summarise(read_series(work_dir))
        row['heldout'] = readouts(work_dir, args.quick) if code == 0 else None
        results[name] = row
        with open(path, 'w') as f:
            json.dump(results, f, indent=1)
    print(format_table({k: results[k] for k in args.variants if k in results}))
    return results


if __name__ == '__main__':
    main()
