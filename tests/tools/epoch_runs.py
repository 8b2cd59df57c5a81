"""Short epoch-based training runs in fresh processes, shared by the resume and
determinism tests: 2 epochs of 6 iterations, two persistent data workers."""
import os
import subprocess
import sys

import torch

from tests import warm_python
from tests.helpers import REPO

MMAE_CONFIG = os.path.join(REPO, 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py')
IMAGES, BATCH, EPOCHS = 96, 16, 2
ITERS_PER_EPOCH = IMAGES // BATCH
MAX_ITERS = EPOCHS * ITERS_PER_EPOCH
# the thread count tests/conftest.py gives each pytest worker (all cores in one process)
ENV = dict(os.environ)


def epoch_run_config(tmp_path, base, data_root, by_epoch=False, max_keep_ckpts=1,
                     randomness='dict(seed=3)', name=None):
    """``base`` (whose loop is ResumableEpochBasedTrainLoop) for 2 short epochs, two
    persistent data workers, a checkpoint every iteration (or epoch)."""
    path = tmp_path / (name or f'epochs_{os.path.basename(base)}')
    path.write_text(f"""_base_ = {base!r}
train_dataloader = dict(batch_size={BATCH}, num_workers=2, persistent_workers=True,
                        dataset=dict(data_root={str(data_root)!r}, indices={IMAGES}))
train_cfg = dict(max_epochs={EPOCHS})
param_scheduler = [dict(type='CosineAnnealingLR', T_max={EPOCHS}, by_epoch=True, begin=0,
                        end={EPOCHS}, eta_min=0.0, convert_to_iter_based=True)]
default_hooks = dict(
    checkpoint=dict(interval=1, by_epoch={by_epoch}, max_keep_ckpts={max_keep_ckpts}),
    logger=dict(type='LoggerHook', interval=1))
randomness = {randomness}
""")
    return str(path)


def train_cmd(config, work_dir, *extra):
    return [sys.executable, 'tools/train.py', config, '--work-dir', str(work_dir), *extra]


def run_to_end(config, work_dir, *extra, fresh=False):
    """Train to the end in a process forked from the warm server, or in a ``fresh``
    interpreter (:mod:`tests.warm_python`)."""
    if fresh:
        result = subprocess.run(train_cmd(config, work_dir, *extra), cwd=REPO, env=ENV,
                                capture_output=True, text=True, timeout=600)
    else:
        result = warm_python.run(train_cmd(config, work_dir, *extra), env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def final_state(work_dir):
    """The checkpoint ``last_checkpoint`` names, loaded on the CPU."""
    name = os.path.basename((work_dir / 'last_checkpoint').read_text().strip())
    return torch.load(work_dir / name, map_location='cpu')
