"""Quality study: Matrix-SSL and M-MAE against their baselines on Fashion-MNIST, fairly.

    .venv/bin/python benchmarks/quality_bench.py [--study fashion-mnist-48k|fashion-mnist-10k]
        [--out-dir work_dirs/quality_bench/STUDY] [--stage search|seeds|floors|test|report|all]
        [--methods NAME ...] [--quick]

Protocol (printed with every table; the studies, their methods and grids are declared in
``study_methods.py``):

* **Data**: Fashion-MNIST (``make data``), grey 28 x 28 px. Pretraining and the read-outs'
  training rows (the bank): the first 10,000 (study ``fashion-mnist-10k``, RESULTS.md
  4.3) or 48,000 train images (``fashion-mnist-48k``, RESULTS.md 7; the default); their
  labels are read only by the read-outs. Selection: 2,000 *held-out train* images (train
  indices 50,000-51,999, in neither bank). Report: the 10,000 test images, read once, at
  the end of training, for the selected configs only (the read-outs along the schedule
  are the held-out ones).
* **Floors**: raw pixels (the flattened image) and each architecture at random
  initialisation (BatchNorm statistics re-estimated on the pretraining images), with
  the same read-outs.
* **Read-outs** on frozen backbone features (ResNet: pooled last stage; ViT: CLS token
  after the final norm, no masking): weighted kNN (k 20, T 0.07, cosine) and a linear
  probe (scikit-learn logistic regression, standardised features, C 1, 1000 L-BFGS
  steps), at every checkpoint (10k study: a quarter, half, three quarters and the end
  of the schedule; 48k study: every 2 of its 6 epochs), with the effective rank of the
  bank's backbone features (and, for the Siamese methods, of their projector outputs).
* **Equal budget**: every method gets the same number of configurations (the first
  ``--grid-size`` entries of its grid, ``GRID_SIZE`` = 2 by default so that the study
  fits about 3.5 hours on 2 CPU cores; ``--grid-size 4`` searches every declared entry) with
  the same epochs, seed 0; the one with the best held-out score (mean of kNN and linear
  top-1 at the end of training) is selected and trained again with seeds 1 and 2. The
  masked-image methods share their second entry (lr 1.5e-3), so the ViT search is one
  learning-rate step for each of them.
* Siamese methods (Matrix-SSL, BYOL, SimSiam; Barlow Twins in the 10k study) share the ResNet-18,
  projector, predictor, views, optimiser and schedule; masked-image methods (MAE, U-MAE,
  M-MAE) share one small ViT. Only the algorithm and the searched settings differ.

Every run is appended to ``runs.jsonl`` in ``--out-dir`` as soon as it is evaluated; a
run already there is skipped and a run stopped midway (the machine's SIGTERM writes
``iter_N.pth``) resumes from its newest checkpoint, so the study goes on where it
stopped. Every read-out
checkpoint is kept (label-free selection is validated on them). ``--stage report``
prints the table and writes ``summary.json``, ``runs_table.md`` (every recorded run with
its read-outs and ranks along the schedule), ``rank_correlations.md`` (whether a run's
effective rank orders its read-outs), ``quality.png`` (bars with std over seeds)
and ``curves.png`` (read-out vs epoch). ``--quick`` trains one tiny run per method on
128 images (the test suite runs it so the script cannot rot).
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
from study_methods import (DEFAULT_STUDY, GRID_SIZE, LOSS, METHODS, REG,  # noqa: E402,F401
                           STUDIES)
from study_verdicts import (READOUT_NAMES, floor_readouts, format_verdicts,  # noqa: E402
                            spread, verdicts)

SEEDS = (0, 1, 2)
HELDOUT = (50000, 52000)
QUICK = dict(images=128, heldout=(50000, 50128), test=128, epochs=1, batch=64)


# renamed config fields (old -> new; the old names still build with a DeprecationWarning):
# runs recorded before a rename are the same runs
RENAMED_OPTIONS = {'lamb': 'loss_weight'}


def current_names(options):
    """A recorded run's --cfg-options with renamed fields under their current names."""
    renamed = {}
    for key, value in options.items():
        head, _, field = key.rpartition('.')
        renamed[f'{head}.{RENAMED_OPTIONS.get(field, field)}' if head else
                RENAMED_OPTIONS.get(field, field)] = value
    return renamed


def run_id(method, index, seed):
    return f'{method.replace(" ", "-").lower()}_c{index}_s{seed}'


def training_seconds(work_dir):
    """Seconds the schedule of the run in ``work_dir`` takes uninterrupted, from its logs.

    Each attempt (``<timestamp>/vis_data/scalars.json``; a resumed run has several) logs
    ``time``, the mean seconds per iteration over a short window, every logger interval.
    The estimate is the median of those times (an iteration logged by several attempts,
    i.e. work redone after a stop, counts once, from the latest attempt) times the last
    logged iteration (within one logger interval of the end). The median because a window
    that caught a pause (a machine-wide SIGSTOP, a load spike) is extrapolated to the whole
    interval otherwise: one such window read 85 s per iteration where the run's typical
    time was 1.5 s. Start-up, checkpoint saving and work lost to a kill are not counted;
    the load of the machine at the time is.
    """
    seconds_per_iter = {}
    for attempt in sorted(os.listdir(work_dir)):
        scalars = osp.join(work_dir, attempt, 'vis_data', 'scalars.json')
        if not osp.isfile(scalars):
            continue
        with open(scalars) as f:
            for line in f:
                logged = json.loads(line)
                if 'time' in logged and 'iter' in logged:
                    seconds_per_iter[logged['iter']] = logged['time']
    if not seconds_per_iter:
        return 0.0
    return statistics.median(seconds_per_iter.values()) * max(seconds_per_iter)


def knn_readout(features, split, cosine=False, centre=False):
    """Weighted-kNN top-1 (%) of ``split``'s rows against the bank's (``features``: split
    -> (rows, labels)), rounded to 2 decimals. The rows are taken as they are (already
    L2-normalised), or with ``cosine`` L2-normalised here, after subtracting the bank's
    mean if ``centre``."""
    import torch
    from mssl_plugin.analysis import knn_top1
    (bank_x, bank_y), (query_x, query_y) = features['bank'], features[split]
    if cosine:
        shift = bank_x.mean(0) if centre else torch.zeros(bank_x.shape[1])

        def unit(x):
            return torch.nn.functional.normalize(x - shift, dim=1)
        bank_x, query_x = unit(bank_x), unit(query_x)
    return round(knn_top1(bank_x, bank_y, query_x, query_y), 2)


def linear_readout(features, split):
    """Linear-probe top-1 (%) of ``split`` fitted on the bank (the probe standardises its
    input), rounded to 2 decimals."""
    from mssl_plugin.analysis import linear_probe_top1
    return round(linear_probe_top1(*features['bank'], *features[split]), 2)


def read_results(path):
    """A study's results file as id -> row; the last row of an id wins (a run is recorded
    again with its test read-outs)."""
    runs = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                runs[row['id']] = row
    return runs


class Study:
    """Runs, evaluations and the results file of one study directory."""

    def __init__(self, out_dir, quick=False, threads=None, label_free=False,
                 grid_size=GRID_SIZE, study=DEFAULT_STUDY, overrides=None):
        """``overrides``: config options every run of this study object trains with on top
        of its grid entry (``schedule_bench.py``: a longer schedule of the selected
        configs, in its own ``out_dir``)."""
        self.out_dir, self.quick, self.threads = out_dir, quick, threads
        self.overrides = dict(overrides or {})
        self.study = study
        self.methods = STUDIES[study]['methods']
        self.grid_size = grid_size
        self.label_free = label_free
        os.makedirs(out_dir, exist_ok=True)
        self.results_path = osp.join(out_dir, 'runs.jsonl')
        self.runs = {}
        self.reload()
        self._data = {}
        self._configs = {}
        self.durations = []

    def reload(self):
        """Read the results file again: another process of the study (one per core, or
        ``--stage floors``) may have recorded rows since; the last row of an id wins."""
        if osp.isfile(self.results_path):
            self.runs.update(read_results(self.results_path))

    # -- data ---------------------------------------------------------------------------
    def datasets(self):
        if self._data:
            return self._data
        from mmengine.registry import init_default_scope
        from mmpretrain.registry import DATASETS
        init_default_scope('mmpretrain')
        common = dict(type='FashionMNIST', data_root=osp.join(REPO, 'data/fashion_mnist'),
                      download=False, pipeline=[dict(type='PackInputs')])
        images = QUICK['images'] if self.quick else STUDIES[self.study]['images']
        heldout = QUICK['heldout'] if self.quick else HELDOUT
        self._data = dict(
            bank=DATASETS.build(dict(common, split='train', indices=images)),
            heldout=DATASETS.build(dict(common, split='train', indices=list(range(*heldout)))),
            test=DATASETS.build(dict(common, split='test',
                                     indices=QUICK['test'] if self.quick else None)))
        return self._data

    # -- training -----------------------------------------------------------------------
    def config_path(self, method):
        return osp.join(REPO, self.methods[method]['config'])

    def config(self, path):
        """The config at ``path`` (read once: mmengine resolves ``mmpretrain::`` bases
        through the packages' metafiles, about half a second per read)."""
        from mmengine.config import Config
        if path not in self._configs:
            self._configs[path] = Config.fromfile(path)
        return self._configs[path]

    def train_command(self, method, index, seed):
        """``tools/train.py`` for this run: its grid entry and seed (``--quick``: shrunk);
        with ``--resume`` from the newest complete checkpoint of its work dir if a
        previous attempt was stopped (a SIGTERM writes ``iter_N.pth``): resuming is exact,
        so the result is the uninterrupted run's."""
        from mssl_plugin.engine.checkpoint_files import newest_complete_checkpoint
        work_dir = osp.join(self.out_dir, run_id(method, index, seed))
        options = dict(self.methods[method]['grid'][index])
        options['randomness.seed'] = seed
        if self.quick:
            options.update({'train_cfg.max_epochs': QUICK['epochs'],
                            'train_dataloader.batch_size': QUICK['batch'],
                            'train_dataloader.dataset.indices': QUICK['images'],
                            'default_hooks.checkpoint.interval': 1,
                            'default_hooks.logger.interval': 1})
        options.update(self.overrides)
        command = [sys.executable, osp.join(REPO, 'tools/train.py'), self.config_path(method),
                   '--work-dir', work_dir, '--cfg-options',
                   *[f'{k}={v}' for k, v in options.items()]]
        interrupted = newest_complete_checkpoint(work_dir)
        if interrupted:
            command += ['--resume', interrupted]
        return command, options, work_dir

    def train(self, method, index, seed):
        command, options, work_dir = self.train_command(method, index, seed)
        if '--resume' in command:
            print(f'  resuming from {osp.basename(command[-1])}', flush=True)
        env = dict(os.environ)
        if self.threads:
            env['OMP_NUM_THREADS'] = str(self.threads)
        start = time.time()
        with open(osp.join(self.out_dir, run_id(method, index, seed) + '.log'), 'a') as log:
            result = subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
        if result.returncode:
            return None, time.time() - start, work_dir
        if not self.trained(method, index, seed):
            # tools/train.py exits 0 when a SIGTERM / SIGUSR1 stopped it (preemption): the
            # run is unfinished, not done; recording it would judge a truncated schedule
            raise SystemExit(
                f'{run_id(method, index, seed)} was stopped before its last epoch (a signal; '
                f'see {osp.basename(work_dir)}.log): the study stops here, and the next start '
                'resumes the run from its newest checkpoint')
        return options, time.time() - start, work_dir

    def trained(self, method, index, seed):
        """Whether this run's work dir already holds its complete last-epoch checkpoint."""
        from mssl_plugin.engine.checkpoint_files import is_complete_checkpoint
        epochs = self.overrides.get('train_cfg.max_epochs') or (
            QUICK['epochs'] if self.quick else
            self.config(self.config_path(method)).train_cfg.max_epochs)
        last = osp.join(self.out_dir, run_id(method, index, seed), f'epoch_{epochs}.pth')
        return osp.isfile(last) and is_complete_checkpoint(last)

    # -- evaluation ---------------------------------------------------------------------
    def model(self, cfg, checkpoint, seed=0):
        """The config's model with ``checkpoint``'s backbone (``None``: at random init,
        BatchNorm statistics re-estimated on the bank), in eval mode."""
        import torch
        from mssl_plugin.analysis import build_model_with_backbone, reestimate_batchnorm
        torch.manual_seed(seed)
        model = build_model_with_backbone(cfg, checkpoint, seed, verbose=False)
        # the images are in memory and the pipeline only packs them: loader workers would
        # cost more to start than they save
        if checkpoint is None:
            reestimate_batchnorm(model, self.datasets()['bank'], num_workers=0)
        return model

    def embed(self, model, splits, normalize=True):
        from mssl_plugin.analysis import embed_dataset
        data = self.datasets()
        return {split: embed_dataset(model, data[split], 256, normalize=normalize,
                                     progress=False, num_workers=0) for split in splits}

    def features(self, cfg, checkpoint, splits, seed=0):
        """L2-normalised backbone features and labels of ``splits``."""
        return self.embed(self.model(cfg, checkpoint, seed), splits)

    PROJECTOR_IMAGES = 10000  # enough rows for the spectrum of a 256-d covariance

    def effective_ranks(self, model, raw_bank, checkpoint):
        """Effective rank of the covariance of the bank's L2-normalised backbone features
        ``raw_bank`` (pooled, not normalised) and, for a model with a projector (the
        Siamese methods' ``neck``, an mmpretrain ``NonLinearNeck`` that average-pools its
        input, weights read from ``checkpoint``), of the projector outputs of the first
        ``PROJECTOR_IMAGES`` bank images: the neck's pooling of a feature map equals its
        pooling of the map's pooled 1 x 1 copy, so the backbone runs once."""
        import torch
        from mmpretrain.models.necks import NonLinearNeck

        from mssl_plugin import functional as F
        from mssl_plugin.engine import load_checkpoint_file
        ranks = dict(erank_backbone=round(float(F.effective_rank(F.covariance(
            torch.nn.functional.normalize(raw_bank, dim=1).double()))), 2))
        if not isinstance(getattr(model, 'neck', None), NonLinearNeck):
            return ranks  # the ViTs' neck is their pixel decoder, no projector
        if not model.neck.with_avg_pool:
            raise ValueError('the projector rank needs a NonLinearNeck with with_avg_pool=True '
                             '(it is computed from the pooled backbone features)')
        state = load_checkpoint_file(checkpoint)['state_dict']
        model.neck.load_state_dict({k[5:]: v for k, v in state.items()
                                    if k.startswith('neck.')})
        pooled = raw_bank[:self.PROJECTOR_IMAGES]
        with torch.no_grad():
            projected = model.neck([pooled[:, :, None, None]])[0]
        ranks['erank_projector'] = round(float(
            F.effective_rank(F.covariance(projected.double()))), 2)
        return ranks

    @staticmethod
    def readouts(features, query):
        """Both read-outs of ``query`` (the rows L2-normalised already)."""
        return dict(knn=knn_readout(features, query), linear=linear_readout(features, query))

    def checkpoints(self, work_dir):
        found = []
        for name in os.listdir(work_dir):
            if name.startswith('epoch_') and name.endswith('.pth'):
                found.append((int(name[6:-4]), osp.join(work_dir, name)))
        return sorted(found)

    def evaluate(self, method, work_dir, split, last_only=False):
        import torch
        cfg = self.config(self.config_path(method))
        readouts = {}
        found = self.checkpoints(work_dir)
        for epoch, path in found[-1:] if last_only else found:
            model = self.model(cfg, path)
            raw = self.embed(model, ('bank', split), normalize=False)
            features = {name: (torch.nn.functional.normalize(x, dim=1), y)
                        for name, (x, y) in raw.items()}
            readouts[str(epoch)] = dict(self.readouts(features, split),
                                        **self.effective_ranks(model, raw['bank'][0], path))
        return readouts

    def record(self, row):
        self.runs[row['id']] = row
        with open(self.results_path, 'a') as f:
            f.write(json.dumps(row) + '\n')

    # -- stages -------------------------------------------------------------------------
    @contextlib.contextmanager
    def claim(self, name):
        """Yield whether this process holds ``name``'s lock (``<out_dir>/<name>.lock``, an
        exclusive ``flock``) while it trains or reads that run: study processes started
        over the same methods (one per core) then share the runs instead of training one
        in the same work dir twice. The system releases the lock when the file closes or
        the process ends, however it ends."""
        import fcntl
        with open(osp.join(self.out_dir, name + '.lock'), 'w') as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True

    def recorded(self, method, index, seed):
        """The run's recorded row (the results file read again: another study process
        may have recorded it), or None."""
        key = run_id(method, index, seed)
        self.reload()
        if key not in self.runs:
            return None
        recorded = current_names(self.runs[key]['options'])
        if recorded != self.methods[method]['grid'][index]:
            raise ValueError(
                f'{key} is recorded in {self.results_path} with options {recorded}, but '
                f'the grid now declares {self.methods[method]["grid"][index]}: restore the '
                'grid entry, or delete that run\'s line (and its work dir) to retrain it')
        return self.runs[key]

    def do_run(self, method, index, seed, position, total):
        """The run's row: recorded, or trained, evaluated and recorded now; None when
        another study process holds the run (it records it)."""
        key = run_id(method, index, seed)
        row = self.recorded(method, index, seed)
        if row is not None:
            return row
        with self.claim(key) as claimed:
            if not claimed:
                print(f'[{position}/{total}] {method} config {index} seed {seed}: another '
                      'study process is on it, next', flush=True)
                return None
            # recorded by another process between the first read and the claim?
            row = self.recorded(method, index, seed)
            return row if row is not None else \
                self.train_and_record(method, index, seed, position, total)

    def train_and_record(self, method, index, seed, position, total):
        key = run_id(method, index, seed)
        eta = ''
        if self.durations:
            left = total - position + 1
            eta = f', ETA {statistics.mean(self.durations) * left / 60:.0f} min'
        print(f'[{position}/{total}] {method} config {index} seed {seed}{eta}', flush=True)
        start = time.time()
        if self.trained(method, index, seed):
            # training finished but the evaluation was interrupted: evaluate, do not retrain
            options = dict(self.methods[method]['grid'][index])
            work_dir = osp.join(self.out_dir, key)
            print('  training already finished: evaluating its checkpoints', flush=True)
        else:
            options, train_s, work_dir = self.train(method, index, seed)
        if options is None:
            print(f'  failed: see {osp.join(self.out_dir, key + ".log")}', flush=True)
            row = dict(id=key, method=method, config=index, seed=seed, failed=True,
                       options=self.methods[method]['grid'][index], train_s=round(train_s))
            self.record(row)
            return row
        # the whole schedule, also where it ran in several attempts
        train_s = training_seconds(work_dir)
        row = dict(id=key, method=method, config=index, seed=seed, failed=False,
                   options=self.methods[method]['grid'][index], train_s=round(train_s),
                   work_dir=work_dir, heldout=self.evaluate(method, work_dir, 'heldout'))
        if self.overrides:
            row['overrides'] = self.overrides
        self.record(row)
        self.reload()  # this row may complete the method's search, and so its selection
        if self.selected(method) == index:
            row = self.read_test(row)
        self.durations.append(time.time() - start)
        last = row['heldout'][max(row['heldout'], key=int)]
        print(f'  held-out kNN {last["knn"]:.2f} linear {last["linear"]:.2f} '
              f'({train_s:.0f} s training)', flush=True)
        if self.label_free:
            self.measure_label_free()
        return row

    def measure_label_free(self):
        """RankMe / LiDAR of every checkpoint not measured yet (``label_free_bench.py``).

        Measured as soon as a run ends, so the label-free study needs no checkpoint to
        survive the machine it was trained on.
        """
        sys.path.insert(0, osp.join(REPO, 'benchmarks'))
        import label_free_bench
        label_free_bench.measure_study(self.out_dir, osp.join(self.out_dir, 'label_free.jsonl'),
                                       study=self.study, **label_free_bench.DEFAULTS)

    def selected(self, method):
        """Index of the config with the best held-out score at the end, or None."""
        if self.quick:
            return 0
        scores = {}
        for index in range(self.grid_size):
            row = self.runs.get(run_id(method, index, 0))
            if row is None:
                return None
            if not row['failed']:
                final = row['heldout'][max(row['heldout'], key=int)]
                scores[index] = (final['knn'] + final['linear']) / 2
        return max(scores, key=scores.get) if scores else None

    def search(self, methods):
        # config-major order: every method has runs early, whenever the study is stopped
        plan = [(m, i, 0) for i in range(self.grid_size) for m in methods]
        for position, (method, index, seed) in enumerate(plan, 1):
            self.do_run(method, index, seed, position, len(plan))

    def seeds(self, methods):
        # seed-major: every method has its second seed before any has its third
        plan = [(m, self.selected(m), s) for s in SEEDS[1:] for m in methods
                if self.selected(m) is not None]
        for position, (method, index, seed) in enumerate(plan, 1):
            self.do_run(method, index, seed, position, len(plan))

    def read_test(self, row):
        """Record ``row`` with its test-split read-outs, at the end of training only (the
        schedule is read on held-out images). Called once the method's selection is final
        and ``row`` is a run of the selected config: right after a run trains (so the
        test read-out needs no checkpoint to survive the machine), or by :meth:`test`."""
        print(f'  test read-out: {row["method"]} config {row["config"]} seed {row["seed"]}',
              flush=True)
        row = self.ensure_checkpoints(row)
        row = dict(row, test=self.evaluate(row['method'], row['work_dir'], 'test',
                                           last_only=True))
        self.record(row)
        return row

    def test(self, methods):
        """Test-split read-outs of the selected configs' runs and of the floors (once).

        The plugin's methods first: the targets that need the test split are theirs, and
        a run whose checkpoints are gone is retrained for its read-out."""
        ordered = sorted(methods, key=lambda m: m not in PLUGIN_METHODS)
        for method in ordered:
            index = self.selected(method)
            for seed in SEEDS if index is not None else ():
                key = run_id(method, index, seed)
                with self.claim(key) as claimed:
                    self.reload()
                    row = self.runs.get(key)
                    if not claimed or row is None or row['failed'] or 'test' in row:
                        continue  # another process reads it, not trained yet, or read
                    self.read_test(row)
        self.floors()

    def ensure_checkpoints(self, row):
        """Retrain a recorded run whose checkpoints are gone (e.g. the study moved to a new
        machine; ``runs.jsonl`` travels in ``benchmarks/results/``). Training is
        deterministic for a seed (tested bit-identical in fresh processes), so the
        retrained run is the recorded one where machine and thread count are the same; its
        held-out read-outs at the end (the network the test split reads) are compared to
        say whether it is."""
        if self.checkpoints(row['work_dir']) if osp.isdir(row['work_dir']) else False:
            return row
        print(f'  {row["id"]}: checkpoints missing, retraining it', flush=True)
        _, _, work_dir = self.train(row['method'], row['config'], row['seed'])
        again = self.evaluate(row['method'], work_dir, 'heldout', last_only=True)
        (epoch, values), = again.items()
        recorded = row['heldout'][epoch]
        if (values['knn'], values['linear']) != (recorded['knn'], recorded['linear']):
            print(f'  note: the retrained {row["id"]} reads {values["knn"]:.2f} / '
                  f'{values["linear"]:.2f} held-out at epoch {epoch}, recorded '
                  f'{recorded["knn"]:.2f} / {recorded["linear"]:.2f} (another machine or '
                  'thread count)', flush=True)
        return dict(row, work_dir=work_dir, heldout_retrained=again)

    def floors(self):
        with self.claim('floors') as claimed:
            if claimed:  # else another process is reading them
                self.read_floors()

    def read_floors(self):
        from mssl_plugin.analysis import embed_pixels
        self.reload()  # a --stage floors process may have read them meanwhile
        if 'test' not in self.runs.get('floor_pixels', {}):
            print('floor: raw pixels', flush=True)
            data = self.datasets()
            # not normalised: the linear probe standardises the pixels themselves
            pixels = {split: embed_pixels(data[split], normalize=False)
                      for split in ('bank', 'heldout', 'test')}
            row = dict(id='floor_pixels', floor=True)
            for split in ('heldout', 'test'):
                row[split] = dict(knn=knn_readout(pixels, split, cosine=True),
                                  linear=linear_readout(pixels, split))
            self.record(row)
        for family, config in STUDIES[self.study]['floors'].items():
            key = f'floor_random_{family}'
            if 'test' in self.runs.get(key, {}):
                continue
            print(f'floor: random init ({family})', flush=True)
            cfg = self.config(osp.join(REPO, config))
            row = dict(id=key, floor=True)
            for seed in SEEDS:
                features = self.features(cfg, None, ('bank', 'heldout', 'test'), seed)
                for split in ('heldout', 'test'):
                    row.setdefault(split, []).append(self.readouts(features, split))
            self.record(row)

    # -- report -------------------------------------------------------------------------
    def summary(self, methods):
        table = {}
        for method in methods:
            index = self.selected(method)
            rows = [self.runs.get(run_id(method, index, s)) for s in SEEDS] \
                if index is not None else []
            rows = [r for r in rows if r and not r['failed']]
            entry = dict(config=index, options=self.methods[method]['grid'][index]
                         if index is not None else None, seeds=[r['seed'] for r in rows])
            for split in ('heldout', 'test'):
                finals = [r[split][max(r[split], key=int)] for r in rows if split in r]
                for readout in ('knn', 'linear'):
                    values = [f[readout] for f in finals]
                    entry[f'{split}_{readout}'] = values
            entry['curve'] = {}
            for r in rows:
                for epoch, values in r['heldout'].items():
                    entry['curve'].setdefault(epoch, []).append(values)
            entry['curve_split'] = 'heldout'
            entry['search'] = {
                i: self.runs[run_id(method, i, 0)]['heldout'][
                    max(self.runs[run_id(method, i, 0)]['heldout'], key=int)]
                for i in range(self.grid_size)
                if run_id(method, i, 0) in self.runs and not self.runs[run_id(method, i, 0)][
                    'failed']}
            table[method] = entry
        floors = {k: v for k, v in self.runs.items() if v.get('floor')}
        grids = {m: self.methods[m]['grid'][:self.grid_size] for m in methods}
        return dict(methods=table, floors=floors, grids=grids, grid_size=self.grid_size,
                    protocol=__doc__.split('Protocol')[1].split('Every run')[0].strip())

    def complete(self, methods, split='test'):
        """Whether every method's selected config has its 3 seeds read on ``split`` and
        the floors are measured on it: with ``'test'`` the study's table is final; with
        ``'heldout'`` the selection is final and the table can be shown, its test
        cells empty until they are read."""
        for method in methods:
            index = self.selected(method)
            if index is None:
                return False
            rows = [self.runs.get(run_id(method, index, seed)) for seed in SEEDS]
            if not all(row and not row['failed'] and split in row for row in rows):
                return False
        return all(split in self.runs.get(key, {})
                   for key in ('floor_pixels', 'floor_random_siamese', 'floor_random_mae'))

    def families(self, methods=None):
        """Method -> family (``siamese`` / ``mae``) of ``methods`` (default: the study's), in
        their order: the order the report lists them in."""
        return {m: self.methods[m]['family'] for m in methods or self.methods}

    def report(self, methods):
        summary = self.summary(methods)
        with open(osp.join(self.out_dir, 'summary.json'), 'w') as f:
            json.dump(summary, f, indent=1)
        print(format_table(summary))
        with open(osp.join(self.out_dir, 'runs_table.md'), 'w') as f:
            f.write(runs_table(self.runs) + '\n')
        correlations = rank_correlations(self.runs, self.families())
        with open(osp.join(self.out_dir, 'rank_correlations.md'), 'w') as f:
            f.write(correlations + '\n')
        print(f'\nEffective rank against the read-outs (held-out):\n{correlations}')
        if self.complete(methods, 'heldout'):
            families = self.families(methods)
            table = readme_table(summary, families)
            with open(osp.join(self.out_dir, 'readme_table.md'), 'w') as f:
                f.write(table + '\n')
            print(f'\nREADME table ({osp.join(self.out_dir, "readme_table.md")}):\n{table}')
            judged = format_verdicts(verdicts(
                summary, families, [m for m in PLUGIN_METHODS if m in methods]))
            with open(osp.join(self.out_dir, 'verdicts.md'), 'w') as f:
                f.write(judged + '\n')
            print(f'\nTargets ({osp.join(self.out_dir, "verdicts.md")}):\n{judged}')
        try:
            plot(summary, self.out_dir)
        except ImportError as error:  # matplotlib is optional
            print(f'no plots: {error}')
        return summary


def _mean_std(values):
    if not values:
        return '-'
    return f'{statistics.mean(values):.2f} +- {spread(values):.2f} (n={len(values)})'


PLUGIN_METHODS = ('Matrix-SSL', 'M-MAE')
README_FLOORS = {'siamese': ('floor_random_siamese', 'random init ResNet-18 w32'),
                 'mae': ('floor_random_mae', 'random init ViT')}
README_COLUMNS = (('heldout', 'knn'), ('heldout', 'linear'), ('test', 'knn'), ('test', 'linear'))


def readme_table(summary, families):
    """The README's table (top-1 %, mean +- std over seeds) from a study's summary:
    raw pixels, then per family its random-init floor and its methods; a plugin method's
    name is bold, and so is each cell where it leads its family; a read-out not measured
    yet is ``-``. ``families``: method -> family, in the order to list them."""
    def cell(values, bold=False, seeds=None):
        if not values:
            return '-'  # not read yet
        text = f'{values[0]:.2f}' if len(values) == 1 else \
            f'{statistics.mean(values):.2f} +- {statistics.stdev(values):.2f}'
        if seeds and len(values) < seeds:
            text += f' ({len(values)} of {seeds} seeds)'  # read so far
        return f'**{text}**' if bold else text

    def floor_values(key):
        return [[v[readout] for v in floor_readouts(summary['floors'][key], split)]
                for split, readout in README_COLUMNS]

    lines = ['| method | held-out kNN | held-out linear | test kNN | test linear |',
             '|---|---|---|---|---|',
             '| raw pixels | ' + ' | '.join(map(cell, floor_values('floor_pixels'))) + ' |']
    for family in dict.fromkeys(families.values()):
        key, name = README_FLOORS[family]
        lines.append(f'| {name} | ' + ' | '.join(map(cell, floor_values(key))) + ' |')
        members = [m for m, f in families.items() if f == family]
        for method in members:
            entry = summary['methods'][method]
            cells = []
            for split, readout in README_COLUMNS:
                values = entry[f'{split}_{readout}']
                measured = [summary['methods'][m][f'{split}_{readout}'] for m in members]
                best = max(statistics.mean(v) for v in measured) if all(measured) else None
                cells.append(cell(values, method in PLUGIN_METHODS and values != [] and
                                  statistics.mean(values) == best, seeds=len(SEEDS)))
            label = f'**{method}**' if method in PLUGIN_METHODS else method
            lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def options_text(options):
    """A grid entry in a few words: the last field of each ``--cfg-options`` key."""
    if not options:
        return 'base config'
    return ', '.join(f'{key.rpartition(".")[2]}={value}'
                     for key, value in current_names(options).items())


def runs_table(runs):
    """Every recorded run (``Study.runs``: the last record of each, where it was first
    recorded) as a markdown table: its grid entry, held-out kNN / linear at every
    read-out checkpoint, test kNN / linear at the end where read (with the held-out
    read-outs of the retrained network where the test split read one that differs from
    the recorded run), and the effective rank of the bank's backbone features (and
    projector outputs) along the schedule; then the floors (held-out in the last epoch's
    column; random init: mean over its seeds).
    RESULTS.md's table of a study's runs is this text, regenerated from its results."""
    trained = [row for row in runs.values() if not row.get('floor') and not row['failed']]
    epochs = sorted({int(e) for row in trained for e in row['heldout']})

    def pair(values):
        return f'{values["knn"]:.2f} / {values["linear"]:.2f}'

    def ranks(row, key):
        values = [row['heldout'][str(e)].get(key) for e in epochs
                  if str(e) in row['heldout']]
        return ' / '.join(f'{v:.1f}' for v in values) if all(values) and values else '-'

    lines = ['| run | options | ' + ' | '.join(f'epoch {e}' for e in epochs)
             + ' | test (end) | backbone erank | projector erank |',
             '|---|---|' + '---|' * len(epochs) + '---|---|---|']
    for row in trained:
        cells = [pair(row['heldout'][str(e)]) if str(e) in row['heldout'] else ''
                 for e in epochs]
        last = max(row['heldout'], key=int)
        cells[epochs.index(int(last))] = f'**{cells[epochs.index(int(last))]}**'
        test = pair(row['test'][max(row['test'], key=int)]) if 'test' in row else '-'
        again = row.get('heldout_retrained', {}).get(last)
        if again and pair(again) != pair(row['heldout'][last]):
            # the test split read a retrained network (checkpoints lost with a machine)
            test += f' (retrained; held-out {pair(again)})'
        name = f'{row["method"]} c{row["config"]} seed {row["seed"]}'
        lines.append(f'| {name} | {options_text(row["options"])} | ' + ' | '.join(cells)
                     + f' | {test} | {ranks(row, "erank_backbone")} | '
                     f'{ranks(row, "erank_projector")} |')
    for key, name in (('floor_pixels', 'raw pixels'), ('floor_random_siamese', 'random init '
                      'ResNet-18 w32'), ('floor_random_mae', 'random init ViT')):
        floor = runs.get(key)
        if floor is None:
            continue
        means = {split: {r: statistics.mean(v[r] for v in floor_readouts(floor, split))
                         for r in ('knn', 'linear')}
                 for split in ('heldout', 'test') if floor_readouts(floor, split)}
        cells = [''] * len(epochs)
        if 'heldout' in means and epochs:
            cells[-1] = f'*{pair(means["heldout"])}*'
        test = f'*{pair(means["test"])}*' if 'test' in means else '-'
        lines.append(f'| *{name}* | - | ' + ' | '.join(cells) + f' | {test} | | |')
    return '\n'.join(lines)


RANKS = (('erank_backbone', 'backbone'), ('erank_projector', 'projector'))


def rank_correlations(runs, families):
    """Does the effective rank go with the read-outs? Spearman's rho between each rank
    (backbone features; projector outputs where the family has a projector) and each
    read-out, over every held-out checkpoint of the family's recorded runs (methods,
    grid entries, seeds and epochs pooled) and over their last checkpoints only. A
    correlation across runs, not an intervention: it says whether a run's rank orders
    its read-outs, not whether raising the rank would raise them. ``families``: method
    -> family. Returns a markdown table (``-`` below 3 points or for a constant rank)."""
    from scipy.stats import spearmanr
    lines = ['| family | rank | read-out | checkpoints | rho | last checkpoints | rho (last) |',
             '|---|---|---|---|---|---|---|']
    for family in dict.fromkeys(families.values()):
        trained = [row for row in runs.values() if not row.get('floor')
                   and not row['failed'] and families.get(row['method']) == family]
        for key, name in RANKS:
            for readout in ('knn', 'linear'):
                cells = []
                for last_only in (False, True):
                    points = [(values[key], values[readout]) for row in trained
                              for epoch, values in row['heldout'].items()
                              if key in values and (not last_only or
                                                    epoch == max(row['heldout'], key=int))]
                    ranks = [p[0] for p in points]
                    rho = spearmanr(ranks, [p[1] for p in points])[0] \
                        if len(points) >= 3 and len(set(ranks)) > 1 else None
                    cells += [str(len(points)), '-' if rho is None or rho != rho
                              else f'{rho:+.2f}']
                if cells[0] != '0':
                    lines.append(f'| {family} | {name} | {READOUT_NAMES[readout]} | '
                                 + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def format_table(summary):
    lines = [f'Grids (search budget: {summary["grid_size"]} configurations per method, seed 0, '
             'selected on held-out train images):']
    for method, grid in summary['grids'].items():
        lines.append(f'  {method}: ' + ' | '.join(json.dumps(g) for g in grid))
    lines.append('')
    lines.append(f'{"method":<14}{"cfg":>4}  {"test kNN":<24}{"test linear":<24}'
                 f'{"held-out kNN":<24}{"held-out linear":<24}')
    floors = summary['floors']
    for key, name in (('floor_pixels', 'raw pixels'), ('floor_random_siamese', 'random R18'),
                      ('floor_random_mae', 'random ViT')):
        if key not in floors:
            continue
        row = floors[key]
        cells = []
        for split in ('test', 'heldout'):
            values = floor_readouts(row, split)
            for readout in ('knn', 'linear'):
                cells.append(_mean_std([v[readout] for v in values]))
        lines.append(f'{name:<14}{"-":>4}  ' + ''.join(f'{c:<24}' for c in cells))
    for method, entry in summary['methods'].items():
        cells = [_mean_std(entry[f'{s}_{r}']) for s in ('test', 'heldout')
                 for r in ('knn', 'linear')]
        config = '-' if entry['config'] is None else entry['config']
        lines.append(f'{method:<14}{config:>4}  ' + ''.join(f'{c:<24}' for c in cells))
    lines.append('')
    lines.append('Read-outs along the schedule (selected config, mean over seeds, kNN / linear):')
    for method, entry in summary['methods'].items():
        points = ', '.join(
            f'ep {epoch}: {statistics.mean(v["knn"] for v in values):.1f} / '
            f'{statistics.mean(v["linear"] for v in values):.1f}'
            for epoch, values in sorted(entry['curve'].items(), key=lambda kv: int(kv[0])))
        lines.append(f'  {method:<14}[{entry["curve_split"]}] {points}')
    lines.append('')
    lines.append('Search (held-out kNN / linear at the end, seed 0):')
    for method, entry in summary['methods'].items():
        lines.append(f'  {method:<14}' + ', '.join(
            f'c{i}: {v["knn"]:.1f} / {v["linear"]:.1f}' for i, v in entry['search'].items()))
    return '\n'.join(lines)


def plot(summary, out_dir):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods = [m for m, e in summary['methods'].items() if e['test_knn'] or e['heldout_knn']]
    split = 'test' if all(summary['methods'][m]['test_knn'] for m in methods) else 'heldout'
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, readout in zip(axes, ('knn', 'linear')):
        values = [summary['methods'][m][f'{split}_{readout}'] for m in methods]
        means = [statistics.mean(v) for v in values]
        stds = [spread(v) for v in values]
        ax.bar(range(len(methods)), means, yerr=stds, capsize=4, color='tab:blue')
        floors = []
        for key, style in (('floor_pixels', 'k--'), ('floor_random_siamese', 'r:'),
                           ('floor_random_mae', 'm:')):
            rows = floor_readouts(summary['floors'].get(key, {}), split)
            if rows:
                floors.append(statistics.mean(r[readout] for r in rows))
                ax.axhline(floors[-1], linestyle=style[1:], color=style[0],
                           label=key.replace('floor_', ''))
        ax.set_xticks(range(len(methods)), methods, rotation=30, fontsize=8)
        ax.set_ylabel(f'{readout} top-1 (%), {split}')
        # every floor stays in view: the random-init lines are the point of the plot
        ax.set_ylim(bottom=max(0, min(means + floors) - 5) if means else 0)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'quality.png'), dpi=110)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, readout in zip(axes, ('knn', 'linear')):
        for method in methods:
            curve = summary['methods'][method]['curve']
            epochs = sorted(curve, key=int)
            ax.plot([int(e) for e in epochs],
                    [statistics.mean(v[readout] for v in curve[e]) for e in epochs],
                    marker='o', label=method)
        ax.set_xlabel('epoch')
        ax.set_ylabel(f'{readout} top-1 (%)')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'curves.png'), dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--study', default=DEFAULT_STUDY, choices=list(STUDIES),
                        help=f'which study (default {DEFAULT_STUDY}): ' + '; '.join(
                            f'{name}: {study["about"]}' for name, study in STUDIES.items()))
    parser.add_argument('--out-dir', help='default: work_dirs/quality_bench/STUDY')
    parser.add_argument('--stage', default='all',
                        choices=['search', 'seeds', 'floors', 'test', 'report', 'all'],
                        help='floors: only the raw-pixel and random-init floors (held-out '
                             'and test; they choose nothing, so they may be read any time); '
                             'test: the selected configs on the test split, once, and the '
                             'floors')
    parser.add_argument('--methods', nargs='+', help='default: every method of the study')
    parser.add_argument('--quick', action='store_true',
                        help='one tiny run per method (first config, seed 0): a smoke test')
    parser.add_argument('--grid-size', type=int, default=GRID_SIZE, choices=range(1, 5),
                        metavar='{1..4}', help='configurations searched per method (the '
                        f'first entries of each grid; default {GRID_SIZE})')
    parser.add_argument('--threads', type=int, help='OMP_NUM_THREADS of the training runs')
    parser.add_argument('--label-free', action='store_true',
                        help='measure RankMe / LiDAR of every checkpoint as soon as its run '
                             'ends (benchmarks/label_free_bench.py, its default sizes)')
    args = parser.parse_args(argv)
    methods = STUDIES[args.study]['methods']
    args.methods = args.methods or list(methods)
    unknown = [m for m in args.methods if m not in methods]
    if unknown:
        parser.error(f'--methods {" ".join(unknown)}: not in study {args.study} '
                     f'(its methods: {", ".join(methods)})')
    args.out_dir = args.out_dir or osp.join(REPO, 'work_dirs/quality_bench', args.study)
    sys.path.insert(0, REPO)
    from tools.prepare_fashion_mnist import MISSING_HELP, is_prepared
    if not is_prepared(osp.join(REPO, 'data/fashion_mnist')):
        sys.exit(MISSING_HELP)
    import mssl_plugin  # noqa: F401  (registers the plugin before the dataset builds)
    study = Study(args.out_dir, quick=args.quick, threads=args.threads,
                  label_free=args.label_free, grid_size=args.grid_size, study=args.study)
    if args.quick:
        for position, method in enumerate(args.methods, 1):
            study.do_run(method, 0, 0, position, len(args.methods))
        study.test(args.methods)
        return study.report(args.methods)
    if args.stage in ('search', 'all'):
        study.search(args.methods)
    if args.stage in ('seeds', 'all'):
        study.seeds(args.methods)
    if args.stage == 'floors':
        study.floors()
    if args.stage in ('test', 'all'):
        if any(study.selected(m) is None for m in args.methods):
            print('the search is not complete for every method: test read-out postponed')
        else:
            study.test(args.methods)
    return study.report(args.methods)


if __name__ == '__main__':
    main()
