"""Evaluate a checkpoint with the config's test loop (mmpretrain-style configs).

    mssl-test CONFIG CHECKPOINT ...          (installed package)
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--cfg-options ...] [--launcher ...]
"""
import argparse
import os.path as osp
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mssl_plugin  # noqa: E402,F401  (registers `mssl_plugin::` before Config.fromfile)
from mssl_plugin.compat import prepare_cpu_distributed  # noqa: E402
from mssl_plugin.engine.checkpoint_files import (CheckpointFileError,  # noqa: E402
                                                 checkpoint_problem)
from .common import one_line_errors, parse_common  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a model (mssl_plugin)')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--work-dir')
    parser.add_argument('--out', help='dump the metrics / predictions to this pickle file')
    return parse_common(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(args.verbose):
        return run(args)


def run(args):
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_dataloader') is None:
        raise ValueError(f'{args.config} has no test_dataloader: self-supervised pretraining '
                         f'configs are evaluated with tools/knn_eval.py or a benchmark config')
    problem = checkpoint_problem(args.checkpoint)
    if problem:
        raise CheckpointFileError(problem)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.out:
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(cfg.test_evaluator, dict) \
            else list(cfg.test_evaluator)
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    if not args.verbose:
        # the runner's INFO log (config dump, environment, init report) stays in the work
        # dir's log file; the screen gets warnings and the metrics printed below
        cfg.log_level = 'WARNING'
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if runner.rank == 0:
        print(f'{args.checkpoint} on {osp.basename(args.config)}:')
        for key, value in metrics.items():
            print(f'  {key}: {value:.4f}' if isinstance(value, float) else f'  {key}: {value}')
    return metrics


if __name__ == '__main__':
    main()
