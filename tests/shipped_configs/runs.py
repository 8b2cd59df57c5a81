"""Train a shipped config for one iteration the way its users start it.

Pretraining, linear and fine-tuning configs go through the plugin's launcher
(``tools/train.py`` = :mod:`mssl_plugin.cli.train`: ``parse_args`` and ``merge_args`` as
its ``main`` calls them); detection configs through mmdet's own ``tools/train.py`` with the
``--cfg-options`` that ``tools/benchmarks/mmdetection/checkpoint_options.py`` prints, as
``tools/benchmarks/mmdetection/dist_train.sh`` starts them. Both run in this process (one
interpreter start-up for all configs), from a folder whose ``data/`` holds the generated
data sets (:mod:`tests.shipped_configs.layouts`), so the configs' own relative
``data_root`` values are used.

Configs that differ from another shipped config only in their schedule (``max_epochs``,
``max_iters``, ``param_scheduler``: the 100/200/400/800-epoch variants, 1x and 2x) are
*schedule variants*: the config they share everything else with is trained (the one a
transfer config reads, else the shortest), and every variant's own schedule is built and
stepped through all of its epochs (:func:`assert_schedule_covers_training`, for every
config): one iteration of a shrunk run could not see the schedule anyway.

Only what a small machine needs changes, through ``--cfg-options`` as a user would write
it: batch size 2 (1 for validation), no data workers, the first two samples of each data
set (``dataset.indices=2``), one epoch (or one iteration) with validation after it,
checkpoints without the optimiser state (deleted after the check unless a transfer config
reads them), and for detection images resized to 192 x 128 instead of 1333 x 800 with 16
RoIs per image. On a
machine without CUDA an ``AmpOptimWrapper`` runs as a float32 ``OptimWrapper`` (the GPU
check covers AMP). Loop, sampler, dataset wrappers, hooks and model stay the shipped ones.
"""
import contextlib
import copy
import functools
import math
import os
import os.path as osp
import re
import runpy
import sys
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config

from tests.helpers import REPO, run_tool

CONFIG_ROOT = osp.join(REPO, 'configs')
EXTRACT = osp.join(REPO, 'tools/model_converters/extract_backbone_weights.py')
CHECKPOINT_OPTIONS = osp.join(REPO, 'tools/benchmarks/mmdetection/checkpoint_options.py')

# which pretraining config gives a transfer config its backbone, by backbone signature
SOURCES = {
    ('ResNet', 50): 'matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py',
    ('ResNet', 18): 'matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-3e_digits.py',
    ('VisionTransformer', 'b'): 'm_mae/m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py',
    ('VisionTransformer', 'l'): 'm_mae/m-mae_vit-large-p16_8xb128-amp-coslr-200e_in1k.py',
    ('VisionTransformer', 128): 'm_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
}
VIT_ARCH = {'b': 'b', 'base': 'b', 'l': 'l', 'large': 'l'}


def shipped_configs() -> List[str]:
    """Every config under ``configs/`` users start (``_base_`` excluded), repo-relative."""
    found = []
    for folder, _, files in os.walk(CONFIG_ROOT):
        if '_base_' in osp.relpath(folder, CONFIG_ROOT).split(os.sep):
            continue
        found += [osp.relpath(osp.join(folder, name), CONFIG_ROOT)
                  for name in files if name.endswith('.py')]
    return sorted(found)


# resolved keys (flattened, dotted) in which a schedule variant differs from its config
SCHEDULE_KEYS = {'max_epochs', 'max_iters', 'train_cfg.max_epochs', 'train_cfg.max_iters'}
SCHEDULE_PREFIX = 'param_scheduler.'


@functools.lru_cache(maxsize=None)
def _read_config(config: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_ROOT, config))


def read_config(config: str) -> Config:
    """``Config.fromfile`` of a shipped config, read once per process (a read resolves the
    ``mmpretrain::`` / ``mmdet::`` bases through the packages' metafiles: about a second);
    a copy, so a caller may change it."""
    return copy.deepcopy(_read_config(config))


@functools.lru_cache(maxsize=None)
def flat_config(config: str) -> dict:
    """The resolved config as ``{'a.b.0.c': value}`` (``_scope_`` markers left out: the
    same type resolves in the same registry with or without them)."""
    out = {}

    def visit(node, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                if key != '_scope_':
                    visit(value, f'{prefix}{key}.')
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                visit(value, f'{prefix}{index}.')
        else:
            out[prefix[:-1]] = node

    visit(_read_config(config).to_dict(), '')
    return out


def schedule_length(flat: dict) -> float:
    return flat.get('train_cfg.max_epochs', flat.get('train_cfg.max_iters', math.inf))


def differs_in_schedule_only(first: dict, second: dict) -> bool:
    keys = {k for k in first.keys() | second.keys() if first.get(k, '<absent>') !=
            second.get(k, '<absent>')}
    return all(k in SCHEDULE_KEYS or k.startswith(SCHEDULE_PREFIX) for k in keys)


def schedule_family(config: str) -> str:
    """Configs that may be schedule variants of each other share this key: the file name
    with its schedule (``-100e_``, ``-1x_``) blanked, or for a file that only names a
    ``_base_`` the key of that base. Only configs of one family are loaded and compared
    (the resolved configs decide; loading all 34 takes about 20 s)."""
    path = osp.join(CONFIG_ROOT, config)
    with open(path) as f:
        lines = [line for line in f.read().splitlines()
                 if line.strip() and not line.lstrip().startswith('#')]
    alias = re.fullmatch(r"_base_ = ['\"](.+)['\"]", lines[0]) if len(lines) == 1 else None
    if alias:
        base = osp.relpath(osp.normpath(osp.join(osp.dirname(path), alias.group(1))),
                           CONFIG_ROOT)
        return schedule_family(base)
    return re.sub(r'(?<=-)\d+[ex](?=_)', '*', config)


@functools.lru_cache(maxsize=None)
def _family_trained_configs(family: str) -> Dict[str, str]:
    members = [c for c in shipped_configs() if schedule_family(c) == family]
    if len(members) == 1:
        return {members[0]: members[0]}
    flats = {config: flat_config(config) for config in members}
    groups: List[List[str]] = []
    for config in members:
        for group in groups:
            if differs_in_schedule_only(flats[group[0]], flats[config]):
                group.append(config)
                break
        else:
            groups.append([config])
    trained = {}
    for group in groups:
        chosen = min(group, key=lambda c: (c not in SOURCES.values(),
                                           schedule_length(flats[c]), c))
        trained.update({config: chosen for config in group})
    return trained


def trained_config_of(config: str) -> str:
    """The config trained for ``config``: itself, or for a schedule variant the config of
    its family it shares everything else with (a transfer source if one is, else the
    shortest schedule)."""
    return _family_trained_configs(schedule_family(config))[config]


def is_detection(cfg) -> bool:
    return cfg.get('default_scope') == 'mmdet'


def needs_pretrained_backbone(cfg) -> bool:
    init = (cfg.get('model') or {}).get('backbone', {}).get('init_cfg') or {}
    return isinstance(init, dict) and 'Pretrained' in str(init.get('type')) and \
        not init.get('checkpoint')


def backbone_signature(cfg):
    backbone = cfg.model.backbone
    kind = str(backbone.type).split('.')[-1]
    if kind == 'VisionTransformer':
        arch = backbone.get('arch')
        if isinstance(arch, dict):  # a custom size: known by its width
            return kind, arch.get('embed_dims')
        return kind, VIT_ARCH.get(arch, arch)
    return kind, backbone.get('depth')


def shrink_options(cfg, max_iters: int = 1) -> List[str]:
    """``--cfg-options`` that make ``cfg`` train ``max_iters`` iterations on two samples."""
    options = []
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        batch = 2 if split == 'train' else 1
        options += [f'{split}_dataloader.batch_size={batch}',
                    f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False',
                    f'{split}_dataloader.dataset.indices={2 * max_iters}']
    if is_detection(cfg):
        options += small_detection_images(cfg)
    if (cfg.get('default_hooks') or {}).get('checkpoint'):
        # the hook saves as configured, without the optimiser state (AdamW's doubles a
        # ViT-L checkpoint to 3.6 GB): transfer configs read the weights only
        options.append('default_hooks.checkpoint.save_optimizer=False')
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_iters' in train_cfg or 'IterBased' in str(train_cfg.get('type')):
        options.append(f'train_cfg.max_iters={max_iters}')
    else:
        options.append('train_cfg.max_epochs=1')
    if cfg.get('val_dataloader') and train_cfg.get('val_interval') is not None:
        options += ['train_cfg.val_interval=1']
        if 'val_begin' in train_cfg:
            options += ['train_cfg.val_begin=1']
    return options


def small_detection_images(cfg, size=(192, 128)) -> List[str]:
    """Resize to ``size`` instead of COCO's 1333 x 800 and sample 16 RoIs per image (one
    Mask R-CNN R50-C4 iteration otherwise takes about two minutes on 2 cores): the loop,
    sampler, hooks and model are what is tested, not the resolution."""
    options = []
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        pipeline = ((loader or {}).get('dataset') or {}).get('pipeline') or []
        for index, transform in enumerate(pipeline):
            prefix = f'{split}_dataloader.dataset.pipeline.{index}'
            if 'scales' in transform:
                options.append(f'{prefix}.scales=[{size}]')
            elif 'scale' in transform:
                options.append(f'{prefix}.scale={size}')
    # the RoI head's own batch: 512 sampled RoIs (training) and 1000 proposals (testing)
    # through the C4 res5 head cost minutes per image on a CPU
    model = cfg.get('model') or {}
    if ((model.get('train_cfg') or {}).get('rcnn') or {}).get('sampler'):
        options.append('model.train_cfg.rcnn.sampler.num=16')
    if (model.get('test_cfg') or {}).get('rpn'):
        options.append('model.test_cfg.rpn.max_per_img=16')
    return options


def float32_on_cpu(cfg) -> None:
    """``AmpOptimWrapper`` asserts a GPU: run its optimiser as a float32 ``OptimWrapper``."""
    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') == 'AmpOptimWrapper' and not torch.cuda.is_available():
        wrapper.type = 'OptimWrapper'
        for key in ('loss_scale', 'dtype', 'use_fsdp'):
            wrapper.pop(key, None)


@contextlib.contextmanager
def working_directory(path):
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def argv(args):
    previous = sys.argv
    sys.argv = list(args)
    try:
        yield
    finally:
        sys.argv = previous


class ShippedRuns:
    """One-iteration runs of shipped configs, each trained once per process (cached)."""

    def __init__(self, workspace: str, out: str) -> None:
        self.workspace = workspace  # holds data/ in the configs' layouts
        self.out = out
        self.runs: Dict[str, dict] = {}

    def train(self, config: str) -> dict:
        if config not in self.runs:
            self.runs[config] = self._train(config)
        return self.runs[config]

    def backbone_for(self, cfg) -> Optional[str]:
        """The checkpoint a transfer config gets, made the documented way."""
        signature = backbone_signature(cfg)
        source = SOURCES.get(signature)
        if source is None:
            raise AssertionError(f'no pretraining config listed for backbone {signature}; '
                                 'add it to tests/shipped_configs/runs.py SOURCES')
        checkpoint = self.train(source)['checkpoint']
        if signature[0] == 'VisionTransformer':
            return checkpoint  # the M-MAE checkpoint itself
        extracted = osp.join(self.out, 'backbones', source.replace('/', '_'))
        if not osp.isfile(extracted):
            result = run_tool([EXTRACT, checkpoint, extracted])
            assert result.returncode == 0, result.stdout + result.stderr
        return extracted

    def _train(self, config: str) -> dict:
        path = osp.join(CONFIG_ROOT, config)
        cfg = read_config(config)
        work_dir = osp.join(self.out, 'work', config.replace('/', '_')[:-3])
        options = shrink_options(cfg)
        start = time.perf_counter()
        if is_detection(cfg):
            self._train_detection(cfg, path, work_dir, options)
        else:
            self._train_plugin(cfg, path, work_dir, options)
        seconds = time.perf_counter() - start
        checkpoint = last_checkpoint(work_dir)
        run = dict(config=config, work_dir=work_dir, seconds=seconds, checkpoint=checkpoint,
                   iterations=trained_iterations(checkpoint))
        if config not in SOURCES.values():  # ViT-L weights are 1.2 GB: keep only sources
            for folder, _, names in os.walk(work_dir):
                for name in names:
                    if name.endswith('.pth'):
                        os.remove(osp.join(folder, name))
        return run

    def _train_plugin(self, cfg, path, work_dir, options):
        from mmengine.runner import Runner

        from mssl_plugin.cli.common import one_line_errors
        from mssl_plugin.cli.train import check_data_root, merge_args, parse_args
        if needs_pretrained_backbone(cfg):
            options = options + [
                f'model.backbone.init_cfg.checkpoint={self.backbone_for(cfg)}']
        args = parse_args([path, '--work-dir', work_dir, '--cfg-options', *options])
        with working_directory(self.workspace):
            # what tools/train.py does with Config.fromfile(args.config), from the copy
            # read once
            cfg = merge_args(cfg, args)
            float32_on_cpu(cfg)
            check_data_root(cfg)
            with one_line_errors(args.verbose):
                Runner.from_cfg(cfg).train()

    def _train_detection(self, cfg, path, work_dir, options):
        import mmdet
        mmdet_train = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
        if needs_pretrained_backbone(cfg):
            backbone = self.backbone_for(cfg)
            printed = run_tool([CHECKPOINT_OPTIONS, path, backbone])
            assert printed.returncode == 0, printed.stderr
            options = options + printed.stdout.split()
        with working_directory(self.workspace), \
                argv([mmdet_train, path, '--work-dir', work_dir, '--cfg-options', *options]):
            runpy.run_path(mmdet_train, run_name='__main__')


def assert_trains_one_iteration(runs: 'ShippedRuns', config: str) -> None:
    """``config`` (a schedule variant: the config it shares everything else with) trained
    and its checkpoint recorded one iteration; ``config``'s schedule runs to its end."""
    trained = trained_config_of(config)
    if trained != config:
        assert differs_in_schedule_only(flat_config(config), flat_config(trained))
    run = runs.train(trained)
    assert run['checkpoint'] is not None, f'{trained}: no checkpoint in {run["work_dir"]}'
    assert run['iterations'] == 1, run
    assert_schedule_covers_training(config)


def assert_schedule_covers_training(config: str) -> None:
    """Build ``config``'s parameter schedulers as mmengine's Runner does (epoch-based ones
    converted with an epoch of 2 iterations, or as many as an iteration-based warm-up
    lasts) and step them as its
    ``ParamSchedulerHook`` does through every iteration of the run: the learning rate
    stays finite and >= 0, reaches the optimiser's rate, and the last scheduler ends
    where training ends (a 1600-epoch config whose cosine stopped at 800 would fail)."""
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS, init_default_scope
    cfg = read_config(config)
    if not cfg.get('param_scheduler'):
        return
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    base_lr = cfg.optim_wrapper.optimizer.lr
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    wrapper = OptimWrapper(optimizer)
    specs = cfg.param_scheduler if isinstance(cfg.param_scheduler, list) else \
        [cfg.param_scheduler]
    epoch_length = max([2] + [spec.end for spec in specs if not spec.get('by_epoch', True)
                              and math.isfinite(spec.get('end', math.inf))])
    schedulers = [PARAM_SCHEDULERS.build(dict(spec), default_args=dict(
        optimizer=wrapper, epoch_length=epoch_length)) for spec in specs]
    train_cfg = cfg.train_cfg
    by_epoch = 'max_epochs' in train_cfg
    total = train_cfg.max_epochs * epoch_length if by_epoch else train_cfg.max_iters
    rates = []
    for iteration in range(total):
        rates.append(optimizer.param_groups[0]['lr'])
        for scheduler in schedulers:
            if not scheduler.by_epoch:
                scheduler.step()
        if by_epoch and (iteration + 1) % epoch_length == 0:
            for scheduler in schedulers:
                if scheduler.by_epoch:
                    scheduler.step()
    assert all(math.isfinite(r) and r >= 0 for r in rates), (config, min(rates))
    assert math.isclose(max(rates), base_lr, rel_tol=1e-3), (config, max(rates), base_lr)
    ends = [s.end * (epoch_length if s.by_epoch else 1) for s in schedulers]
    assert max(ends) == total, f'{config}: the schedule ends at {max(ends)}, training at {total}'


def last_checkpoint(work_dir: str) -> Optional[str]:
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip()


def trained_iterations(checkpoint: Optional[str]) -> Optional[int]:
    """The iteration count the run's last checkpoint recorded."""
    if checkpoint is None:
        return None
    from mssl_plugin.engine.checkpoint_files import load_checkpoint_file
    return load_checkpoint_file(checkpoint)['meta']['iter']
