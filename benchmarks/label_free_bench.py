"""Label-free selection: do RankMe and LiDAR rank checkpoints as kNN and a linear probe do?

    .venv/bin/python benchmarks/label_free_bench.py
        [--study fashion-mnist-48k|fashion-mnist-10k] [--study-dir work_dirs/quality_bench/STUDY]
        [--images 2000] [--lidar-images 600] [--views 8] [--report-only]

Reads the quality study's ``runs.jsonl`` (``benchmarks/quality_bench.py``) and every
epoch checkpoint it kept. For each checkpoint, without reading a label:

* **RankMe** of the backbone features and of the projector outputs (joint-embedding
  methods) of the first ``--images`` pretraining images, as they are;
* **LiDAR** of ``--lidar-images`` of them in ``--views`` views of the training
  augmentation (the Fashion-MNIST crop + flip; the same views for every checkpoint).

Each is set against the study's held-out read-outs of the same checkpoint (kNN and
linear probe on 2,000 held-out train images). Printed and written to
``label_free.json`` / ``label_free.png`` in the study directory: Spearman's rank
correlation per method (pooled over configs, seeds and epochs), pooled over all
methods, and for three decisions: which **epoch** of a run (per run, over its
checkpoints), which **config** of a method (seed 0, end of training), which **method**
(end of training). Every checkpoint's values go to ``label_free.jsonl`` as they come (a
checkpoint already there is skipped: the script resumes).
"""
import argparse
import json
import os
import os.path as osp
import random
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'benchmarks'))

DEFAULTS = dict(images=2000, lidar_images=600, views=8)
METRICS = ('rankme_backbone', 'rankme_projector', 'lidar_backbone', 'lidar_projector')
READOUTS = ('knn', 'linear')


def load_rows(path):
    rows = {}
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    rows[row['id']] = row
    return rows


class Embedder:
    """Label-free embeddings of a fixed set of pretraining images for any checkpoint.

    ``clean``: the images as they are (RankMe); ``views``: images in several views of a
    training augmentation (LiDAR), drawn from fixed seeds so every checkpoint sees the same.
    Both are dataset configs for mmpretrain's ``DATASETS`` (no label is read).
    """

    def __init__(self, clean, views):
        from mmengine.registry import init_default_scope
        from mmpretrain.registry import DATASETS
        import mssl_plugin  # noqa: F401  (registers the plugin, safe checkpoint loading)
        init_default_scope('mmpretrain')
        self.clean = DATASETS.build(clean)
        self.views = DATASETS.build(views)

    @classmethod
    def fashion_mnist(cls, images, lidar_images, views):
        """The quality study's images: the first train images, the Fashion-MNIST views."""
        from mmengine.config import Config
        data = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/'
                                              'fashion-mnist_bs128_two-views.py'))
        common = dict(type='FashionMNIST', data_root=osp.join(REPO, 'data/fashion_mnist'),
                      split='train', download=False)
        return cls(dict(common, indices=images, pipeline=[dict(type='PackInputs')]),
                   dict(common, indices=lidar_images, pipeline=[
                       dict(type='MultiView', num_views=views,
                            transforms=[data.view_pipeline]),
                       dict(type='PackInputs')]))

    @staticmethod
    def build(config, options, checkpoint):
        """The model of ``config`` (a path) with ``options`` merged, weights of ``checkpoint``."""
        from mmengine.config import Config
        from mmpretrain.registry import MODELS
        from mssl_plugin.analysis.embedding import quiet_init_report
        from mssl_plugin.engine import load_checkpoint_file
        cfg = Config.fromfile(config)
        cfg.merge_from_dict(options)
        with quiet_init_report():
            model = MODELS.build(cfg.model)
        state = load_checkpoint_file(checkpoint)
        model.load_state_dict(state['state_dict'], strict=True)
        return model.eval()

    def _loader(self, dataset):
        from mmengine.dataset import default_collate
        from torch.utils.data import DataLoader
        return DataLoader(dataset, batch_size=200, shuffle=False, num_workers=0,
                          collate_fn=default_collate)

    def measure(self, model):
        import numpy as np
        import torch
        from mssl_plugin.functional import lidar, rankme
        from mssl_plugin.models.utils import embedding_spaces
        # the same augmented views for every checkpoint
        torch.manual_seed(0)
        np.random.seed(0)
        random.seed(0)
        out = {}
        with torch.no_grad():
            clean = {}
            for batch in self._loader(self.clean):
                inputs = model.data_preprocessor(
                    dict(inputs=[batch['inputs']], data_samples=None), False)['inputs']
                for space, value in embedding_spaces(model, inputs[0]).items():
                    clean.setdefault(space, []).append(value.double())
            for space, chunks in clean.items():
                out[f'rankme_{space}'] = float(rankme(torch.cat(chunks)))
            views = {}
            for batch in self._loader(self.views):
                inputs = model.data_preprocessor(
                    dict(inputs=batch['inputs'], data_samples=None), False)['inputs']
                per_view = [embedding_spaces(model, view) for view in inputs]
                for space in per_view[0]:
                    views.setdefault(space, []).append(
                        torch.stack([v[space] for v in per_view], dim=1).double())
            for space, chunks in views.items():
                out[f'lidar_{space}'] = float(lidar(torch.cat(chunks)))
        return out


def checkpoints(work_dir):
    found = []
    for name in os.listdir(work_dir) if osp.isdir(work_dir) else ():
        if name.startswith('epoch_') and name.endswith('.pth'):
            found.append((int(name[6:-4]), osp.join(work_dir, name)))
    return sorted(found)


def measure_study(study_dir, out_path, images, lidar_images, views, study=None):
    """RankMe / LiDAR of every recorded checkpoint of the quality study ``study``
    (default: the default study) in ``study_dir`` not yet in ``out_path``; each run is
    built from its own study's config for its method, with its recorded options."""
    runs = [r for r in load_rows(osp.join(study_dir, 'runs.jsonl')).values()
            if not r.get('floor') and not r.get('failed') and r.get('heldout')]
    done = load_rows(out_path)
    todo = [(run, epoch, path) for run in runs for epoch, path in checkpoints(run['work_dir'])
            if f'{run["id"]}@{epoch}' not in done and str(epoch) in run['heldout']]
    if not todo:
        return done
    from study_methods import DEFAULT_STUDY, STUDIES
    methods = STUDIES[study or DEFAULT_STUDY]['methods']
    embedder = Embedder.fashion_mnist(images, lidar_images, views)
    for position, (run, epoch, path) in enumerate(todo, 1):
        print(f'[{position}/{len(todo)}] {run["id"]} epoch {epoch}', flush=True)
        model = Embedder.build(osp.join(REPO, methods[run['method']]['config']),
                               run['options'], path)
        row = dict(id=f'{run["id"]}@{epoch}', run=run['id'], method=run['method'],
                   config=run['config'], seed=run['seed'], epoch=epoch,
                   final=epoch == max(int(e) for e in run['heldout']),
                   **embedder.measure(model), **run['heldout'][str(epoch)])
        with open(out_path, 'a') as f:
            f.write(json.dumps(row) + '\n')
        done[row['id']] = row
    return done


def spearman(xs, ys):
    from scipy.stats import spearmanr
    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return float(spearmanr(xs, ys).statistic)


def _mean(values):
    values = [v for v in values if v is not None]
    return (sum(values) / len(values), len(values)) if values else (None, 0)


def _groups(rows, decision):
    """The candidate sets of one decision, each with the choice made without any metric.

    epoch: the checkpoints of one run (default: the last); config: the seed-0 final
    checkpoints of one method's configs (default: config 0, the published or first
    setting); method: the final checkpoint of each method's best config (no default).
    """
    if decision == 'epoch':
        by_run = {}
        for r in rows:
            by_run.setdefault(r['run'], []).append(r)
        return [(group, max(group, key=lambda r: r['epoch'])) for group in by_run.values()]
    finals = [r for r in rows if r['final'] and r['seed'] == 0]
    by_method = {}
    for r in finals:
        by_method.setdefault(r['method'], []).append(r)
    if decision == 'config':
        return [(group, next((r for r in group if r['config'] == 0), None))
                for group in by_method.values()]
    return [([max(group, key=lambda r: (r['knn'] + r['linear']) / 2)
              for group in by_method.values()], None)]


def regrets(rows, metric, readout, decision):
    """What choosing by ``metric`` costs against choosing by the labelled ``readout``.

    Per candidate set with at least two members: the regret of a choice is the best
    read-out of the set minus the read-out of the chosen member (points of top-1). Returns
    the mean regret of the metric's choice (its largest value), of a uniformly random
    choice (expected), and of the default choice, the fraction of sets where the metric
    picks the labelled best, and the number of sets; None when no set has two members.
    """
    chosen, random_pick, default, agree = [], [], [], []
    for group, fallback in _groups([r for r in rows if metric in r], decision):
        if len(group) < 2:
            continue
        best = max(r[readout] for r in group)
        pick = max(group, key=lambda r: r[metric])
        chosen.append(best - pick[readout])
        random_pick.append(best - sum(r[readout] for r in group) / len(group))
        agree.append(pick[readout] == best)
        if fallback is not None:
            default.append(best - fallback[readout])
    if not chosen:
        return None
    return dict(metric=_mean(chosen)[0], random=_mean(random_pick)[0],
                default=_mean(default)[0], agree=sum(agree) / len(agree), sets=len(chosen))


def analyse(rows):
    """Spearman correlations of every metric with every read-out, by method and decision."""
    rows = list(rows)
    methods = sorted({r['method'] for r in rows})
    result = dict(checkpoints=len(rows), methods=methods, per_method={}, pooled={},
                  epoch={}, config={}, method={}, regret={})
    for metric in METRICS:
        for readout in READOUTS:
            key = f'{metric}~{readout}'
            have = [r for r in rows if metric in r]
            result['pooled'][key] = spearman([r[metric] for r in have],
                                             [r[readout] for r in have])
            result['per_method'][key] = {m: spearman(
                [r[metric] for r in have if r['method'] == m],
                [r[readout] for r in have if r['method'] == m]) for m in methods}
            # epoch: within each run, across its checkpoints
            by_run = {}
            for r in have:
                by_run.setdefault(r['run'], []).append(r)
            result['epoch'][key] = _mean([spearman([r[metric] for r in group],
                                                   [r[readout] for r in group])
                                          for group in by_run.values()])
            # config: within each method, across its configs (seed 0, end of training)
            finals = [r for r in have if r['final'] and r['seed'] == 0]
            result['config'][key] = _mean([spearman(
                [r[metric] for r in finals if r['method'] == m],
                [r[readout] for r in finals if r['method'] == m]) for m in methods])
            # method: across methods, best config's final checkpoint (seed 0) of each
            best = {}
            for r in finals:
                if r['method'] not in best or r[readout] > best[r['method']][readout]:
                    best[r['method']] = r
            result['method'][key] = spearman([r[metric] for r in best.values()],
                                             [r[readout] for r in best.values()])
            result['regret'][key] = {decision: regrets(have, metric, readout, decision)
                                     for decision in ('epoch', 'config', 'method')}
    return result


def format_report(result):
    lines = [f'{result["checkpoints"]} checkpoints of {len(result["methods"])} methods; '
             f'Spearman rank correlation with the held-out read-out (1 = same order)']
    header = f'{"metric ~ read-out":30s}' + ''.join(f'{m[:12]:>13s}' for m in result['methods'])
    lines += ['', 'per method (pooled over configs, seeds, epochs):', header]

    def fmt(value):
        return f'{value:+.2f}' if value is not None else '-'

    for key, per in result['per_method'].items():
        lines.append(f'{key:30s}' + ''.join(f'{fmt(per[m]):>13s}' for m in result['methods']))
    lines += ['', f'{"metric ~ read-out":30s}{"pooled":>9s}{"epoch":>13s}{"config":>13s}'
                  f'{"method":>9s}']
    for key in result['pooled']:
        epoch, n_epoch = result['epoch'][key]
        config, n_config = result['config'][key]
        lines.append(f'{key:30s}{fmt(result["pooled"][key]):>9s}'
                     f'{fmt(epoch):>8s} ({n_epoch:2d}){fmt(config):>8s} ({n_config:2d})'
                     f'{fmt(result["method"][key]):>9s}')
    lines.append('epoch: mean over runs (number of runs); config: mean over methods (number '
                 'of methods); method: across methods')
    lines += ['', 'Choosing by the metric instead of the label: mean points of top-1 lost '
                  '(metric / random choice / default choice), and how often it picks the best',
              f'{"metric ~ read-out":30s}' + ''.join(f'{d:>28s}' for d in
                                                     ('epoch (default last)',
                                                      'config (default c0)', 'method'))]

    def cell(entry):
        if entry is None:
            return f'{"-":>28s}'
        default = '-' if entry['default'] is None else f'{entry["default"]:.2f}'
        return (f'{entry["metric"]:.2f}/{entry["random"]:.2f}/{default} '
                f'{100 * entry["agree"]:3.0f}% ({entry["sets"]})').rjust(28)

    for key, per in result['regret'].items():
        lines.append(f'{key:30s}' + ''.join(cell(per[d]) for d in ('epoch', 'config', 'method')))
    return '\n'.join(lines)


def plot(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    rows = list(rows)
    methods = sorted({r['method'] for r in rows})
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for row_axes, metric in zip(axes, ('rankme_backbone', 'lidar_backbone')):
        for ax, readout in zip(row_axes, READOUTS):
            for method in methods:
                pts = [(r[metric], r[readout]) for r in rows if r['method'] == method]
                xs, ys = zip(*pts)
                ax.scatter(xs, ys, s=14, label=method)
                if len(set(xs)) > 1:
                    slope, offset = np.polyfit(xs, ys, 1)
                    grid = np.linspace(min(xs), max(xs), 20)
                    ax.plot(grid, slope * grid + offset, lw=1)
            ax.set_xlabel(metric.replace('_', ' '))
            ax.set_ylabel(f'held-out {readout} top-1 (%)')
    axes[0][0].legend(fontsize=7)
    fig.suptitle('Label-free metrics vs read-outs (every checkpoint of the quality study)')
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def report(rows, out_dir):
    """Print the analysis of ``rows``; write ``label_free.json`` and ``label_free.png``."""
    rows = list(rows)
    result = analyse(rows)
    print(format_report(result))
    with open(osp.join(out_dir, 'label_free.json'), 'w') as f:
        json.dump(result, f, indent=1)
    plot(rows, osp.join(out_dir, 'label_free.png'))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from study_methods import DEFAULT_STUDY, STUDIES
    parser.add_argument('--study', default=DEFAULT_STUDY, choices=list(STUDIES),
                        help='which quality study the checkpoints belong to')
    parser.add_argument('--study-dir', help='default: work_dirs/quality_bench/STUDY')
    parser.add_argument('--images', type=int, default=DEFAULTS['images'], help='RankMe images')
    parser.add_argument('--lidar-images', type=int, default=DEFAULTS['lidar_images'],
                        help='LiDAR images (surrogate classes); more than the width (256)')
    parser.add_argument('--views', type=int, default=DEFAULTS['views'],
                        help='LiDAR views per image')
    parser.add_argument('--report-only', action='store_true',
                        help='measure nothing new; analyse what is recorded')
    args = parser.parse_args(argv)
    args.study_dir = args.study_dir or osp.join(REPO, 'work_dirs/quality_bench', args.study)
    out_path = osp.join(args.study_dir, 'label_free.jsonl')
    if args.report_only:
        rows = load_rows(out_path)
    else:
        rows = measure_study(args.study_dir, out_path, args.images, args.lidar_images,
                             args.views, study=args.study)
    if not rows:
        print(f'no checkpoint measured: is {args.study_dir} a quality study directory?')
        return 1
    report(rows.values(), args.study_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
