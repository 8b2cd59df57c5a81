"""Train with an mmengine Runner from an mmpretrain-style config.

    mssl-train CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]      (installed package)
    python tools/train.py CONFIG ...                                  (checkout)
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch|slurm|mpi]

The plugin is imported before the config is read, so a config may inherit the
packaged ones with ``_base_ = 'mssl_plugin::...'`` (mmengine reads ``_base_`` before it
applies ``custom_imports``).

A process that torchrun restarted (``--max-restarts``, ``TORCHELASTIC_RESTART_COUNT > 0``)
or that belongs to a requeued Slurm job (``SLURM_RESTART_COUNT > 0``) resumes from the work
dir's last checkpoint by itself, as ``--resume`` would.
"""
import argparse
import os
import os.path as osp
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)
# mmcv's adjust_color warns on every call with the pillow backend (ColorJitter saturation)
warnings.filterwarnings('ignore', message="Only use 'alpha' for pillow backend")

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mssl_plugin  # noqa: E402,F401  (registers `mssl_plugin::` before Config.fromfile)
from mssl_plugin.compat import end_distributed_process, prepare_cpu_distributed  # noqa: E402
from mssl_plugin.engine import TrainingPreempted  # noqa: E402
from .common import one_line_errors, parse_common  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model (mssl_plugin)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work dir if no path')
    parser.add_argument('--amp', action='store_true', help='mixed precision (AmpOptimWrapper)')
    parser.add_argument('--no-validate', action='store_true', help='skip validation')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr linearly with the actual total batch size')
    parser.add_argument('--no-pin-memory', action='store_true')
    return parse_common(parser, argv)


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs an OptimWrapper, the config uses {optim_wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    restarted = restarted_by_scheduler()
    if args.resume is None and restarted:
        print(f'{restarted}: resuming from the work dir\'s last checkpoint', flush=True)
        args.resume = 'auto'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=...)` '
                             'in the config')
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.no_pin_memory:
        cfg.train_dataloader['pin_memory'] = False
    prepare_cpu_distributed(cfg)
    return cfg


def restarted_by_scheduler():
    """Why this process is a restart of an interrupted job (torchrun's ``--max-restarts``,
    a requeued Slurm job), or ``None``: such a run resumes by itself."""
    if int(os.environ.get('TORCHELASTIC_RESTART_COUNT', '0') or 0) > 0:
        return f'torchrun restart {os.environ["TORCHELASTIC_RESTART_COUNT"]}'
    if int(os.environ.get('SLURM_RESTART_COUNT', '0') or 0) > 0:
        return f'Slurm requeue {os.environ["SLURM_RESTART_COUNT"]}'
    return None


def check_data_root(cfg):
    """Fail before building anything when the training data root is missing or empty."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    root = dataset.get('data_root')
    if not root:
        return
    hint = ('put the data in mmpretrain\'s layout (<root>/train/<class>/*.JPEG, optional '
            '<root>/meta/train.txt) or set train_dataloader.dataset.data_root')
    if not osp.isdir(root):
        raise SystemExit(f'error: training data root {root!r} does not exist; {hint}')
    if not any(entry for entry in os.listdir(root) if not entry.startswith('.')):
        raise SystemExit(f'error: training data root {root!r} is empty; {hint}')


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_root(cfg)
    with one_line_errors(args.verbose):
        runner = Runner.from_cfg(cfg)
        try:
            runner.train()
        except TrainingPreempted:
            end_distributed_process()  # every rank stopped at the same iteration
            raise
    end_distributed_process()


if __name__ == '__main__':
    main()
