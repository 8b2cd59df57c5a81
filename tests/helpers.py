"""Shared builders for the model and tool tests."""
import copy
import os
import subprocess
import sys

import torch
from mmengine.config import Config

from tests import warm_python

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_CONFIG = os.path.join(REPO, 'configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py')
# the demo config at width 8: for the end-to-end tests of a path (resume, launchers, ...)
TINY_CONFIG = os.path.join(REPO, 'tests/configs/matrix-ssl_resnet18-w8_1xb64-coslr-10e_digits.py')


def cpu_norms(cfg):
    """Replace SyncBN (CUDA only) by BN in a model config, BN1d inside necks/predictors."""
    cfg = copy.deepcopy(cfg)

    def visit(node, in_neck):
        if isinstance(node, dict):
            is_neck = in_neck or str(node.get('type', '')).endswith('Neck')
            for key, value in node.items():
                if key == 'norm_cfg' and isinstance(value, dict) and value.get('type') == 'SyncBN':
                    value['type'] = 'BN1d' if is_neck else 'BN'
                else:
                    visit(value, is_neck)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value, in_neck)

    visit(cfg, False)
    return cfg


def small_matrix_ssl_cfg():
    """The demo config's model (ResNet-18, 256-d projections)."""
    return Config.fromfile(DEMO_CONFIG).model


def run_tool(args, cwd=REPO, timeout=600, env=None, fresh=False):
    """``python ARGS`` with its output captured: forked from the warm server
    (:mod:`tests.warm_python`), or ``fresh`` in a new interpreter where the start-up is
    what the test is about."""
    full_env = dict(os.environ, **(env or {}))
    if not fresh:
        return warm_python.run(args, cwd=cwd, timeout=timeout, env=full_env)
    return subprocess.run([sys.executable] + args, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def make_demo_data(path, coco_path=None):
    """Write the demo digits (and, with ``coco_path``, the COCO set) outside the repo."""
    result = run_tool(['tools/make_demo_data.py', '--out', str(path),
                       '--coco-out', str(coco_path) if coco_path else ''])
    assert result.returncode == 0, result.stderr
    return path


def two_views(batch=8, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, (batch, 3, size, size), generator=generator).float()
            for _ in range(2)]


def assert_same_training_state(first, second, tolerance=1e-6):
    """Two loaded training checkpoints hold the same weights (BatchNorm statistics and EMA
    target included), optimiser state, learning rates and scheduler states."""
    assert first['state_dict'].keys() == second['state_dict'].keys()
    for key, value in first['state_dict'].items():
        torch.testing.assert_close(value, second['state_dict'][key], rtol=tolerance,
                                   atol=tolerance, msg=key)
    for one, two in zip(first['optimizer']['state'].values(),
                        second['optimizer']['state'].values()):
        for key, value in one.items():
            torch.testing.assert_close(value, two[key], rtol=tolerance, atol=tolerance)
    for one, two in zip(first['optimizer']['param_groups'], second['optimizer']['param_groups']):
        assert abs(one['lr'] - two['lr']) <= tolerance
    assert first['param_schedulers'] == second['param_schedulers']
