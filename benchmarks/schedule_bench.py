"""How far a longer schedule takes the 48k study's selected configurations.

    .venv/bin/python benchmarks/schedule_bench.py [--epochs 24] [--interval 6]
        [--methods Matrix-SSL M-MAE] [--threads 1] [--out-dir work_dirs/schedule_bench/24e]

The second quality study (``quality_bench.py --study fashion-mnist-48k``, RESULTS.md 7)
trains 6 epochs and its networks end under the raw pixels; whether more steps would close
the gap is the question its missed pixel target leaves. A line through the last two
read-outs of a cosine schedule cannot answer it (the learning rate anneals to zero over that
interval), so this trains each method's *selected* configuration (read from the study's
committed results, ``--selection-from``) again, seed 0, for ``--epochs`` epochs, the
warm-up and cosine of the recipe stretched over the whole schedule, and reads the held-out
split (kNN, linear probe, effective ranks; ``quality_bench.Study.evaluate``) every
``--interval`` epochs. Held-out only: nothing is selected here and the test split stays the
study's. Runs are recorded in ``<out-dir>/runs.jsonl`` as they end; a recorded run is
skipped and a stopped one resumes from its newest checkpoint (``quality_bench.Study``).
"""
import argparse
import os.path as osp
import shutil
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'benchmarks'))
import quality_bench  # noqa: E402

STUDY = 'fashion-mnist-48k'
COMMITTED = osp.join(REPO, 'benchmarks/results/quality_fashion-mnist-48k_runs.jsonl')


def schedule_options(epochs, interval):
    """``--cfg-options`` that stretch a study recipe to ``epochs``: its one-epoch linear
    warm-up (``param_scheduler[0]``) stays, its cosine (``param_scheduler[1]``, epochs 1 to
    the end) ends at ``epochs``, and a checkpoint is kept every ``interval`` epochs."""
    if epochs < 2 or interval < 1 or epochs % interval:
        raise ValueError(f'--epochs {epochs} --interval {interval}: the schedule needs at '
                         'least 2 epochs (1 of warm-up) and a whole number of intervals')
    return {'train_cfg.max_epochs': epochs, 'param_scheduler.1.T_max': epochs - 1,
            'param_scheduler.1.end': epochs, 'default_hooks.checkpoint.interval': interval}


def check_recipe_schedule(cfg, path):
    """The stretch above assumes the study recipes' schedule: warm-up, then a cosine that
    ends with training. Refuse any other (the options would silently mean something else)."""
    warmup, cosine = (cfg.param_scheduler + [None, None])[:2]
    if (not warmup or warmup.get('type') != 'LinearLR' or warmup.get('end') != 1 or not cosine
            or cosine.get('type') != 'CosineAnnealingLR'
            or cosine.get('end') != cfg.train_cfg.max_epochs):
        raise ValueError(f'{path}: expected param_scheduler = [LinearLR over epoch 0, '
                         'CosineAnnealingLR to max_epochs] (the study recipes\' schedule), '
                         f'found {cfg.param_scheduler}')


def selected_configs(results_path, methods):
    """Method -> index of the config the study selected (held-out, seed 0), from its
    results file; an error naming the method whose search is not complete."""
    folder = tempfile.mkdtemp()
    try:
        shutil.copy(results_path, osp.join(folder, 'runs.jsonl'))
        study = quality_bench.Study(folder, study=STUDY)
        chosen = {method: study.selected(method) for method in methods}
    finally:
        shutil.rmtree(folder)
    missing = [m for m, index in chosen.items() if index is None]
    if missing:
        raise SystemExit(f'{results_path}: the search of {", ".join(missing)} is not '
                         'complete, so there is no selected configuration to train longer')
    return chosen


def pixel_floor(results_path):
    """The raw pixels' held-out read-outs recorded in the study's results file, or None."""
    return quality_bench.read_results(results_path).get('floor_pixels', {}).get('heldout')


def schedule_table(runs, pixels=None):
    """Markdown: held-out kNN / linear and backbone (projector) effective rank at every
    read-out epoch of each recorded run, the pixels' held-out read-outs last."""
    lines = ['| run | epoch | held-out kNN | held-out linear | backbone erank | '
             'projector erank |', '|---|---|---|---|---|---|']
    for row in runs.values():
        if row.get('floor') or row['failed']:
            continue
        name = (f'{row["method"]} c{row["config"]} seed {row["seed"]}, '
                f'{row["overrides"]["train_cfg.max_epochs"]} epochs')
        for epoch in sorted(row['heldout'], key=int):
            values = row['heldout'][epoch]
            projector = values.get('erank_projector')
            lines.append(f'| {name} | {epoch} | {values["knn"]:.2f} | {values["linear"]:.2f} '
                         f'| {values["erank_backbone"]:.1f} | '
                         f'{"-" if projector is None else f"{projector:.1f}"} |')
    if pixels:
        lines.append(f'| *raw pixels* | - | *{pixels["knn"]:.2f}* | *{pixels["linear"]:.2f}* '
                     '| | |')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=24)
    parser.add_argument('--interval', type=int, default=6, help='epochs between read-outs')
    parser.add_argument('--methods', nargs='+', default=list(quality_bench.PLUGIN_METHODS),
                        choices=list(quality_bench.STUDIES[STUDY]['methods']))
    parser.add_argument('--selection-from', default=COMMITTED,
                        help='the study\'s results file (default: the committed one)')
    parser.add_argument('--threads', type=int, help='OMP_NUM_THREADS of the training runs')
    parser.add_argument('--out-dir', help='default: work_dirs/schedule_bench/<epochs>e')
    args = parser.parse_args(argv)
    overrides = schedule_options(args.epochs, args.interval)
    out_dir = args.out_dir or osp.join(REPO, 'work_dirs/schedule_bench', f'{args.epochs}e')
    sys.path.insert(0, REPO)
    import mssl_plugin  # noqa: F401  (registers the plugin before the dataset builds)
    chosen = selected_configs(args.selection_from, args.methods)
    study = quality_bench.Study(out_dir, threads=args.threads, study=STUDY, overrides=overrides)
    for method in args.methods:
        path = study.config_path(method)
        check_recipe_schedule(study.config(path), path)
    for position, method in enumerate(args.methods, 1):
        study.do_run(method, chosen[method], 0, position, len(args.methods))
    study.reload()
    table = schedule_table(study.runs, pixel_floor(args.selection_from))
    with open(osp.join(out_dir, 'schedule_table.md'), 'w') as f:
        f.write(table + '\n')
    print(table)
    return study.runs


if __name__ == '__main__':
    main()
