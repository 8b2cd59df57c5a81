"""Distributed runs on machines without CUDA (gloo), for tools/train.py and tools/test.py.

Works around mmengine 0.10.7, whose ``init_dist`` calls ``torch.cuda.set_device``
unconditionally; delete when mmengine initialises a gloo group without CUDA.
"""
import datetime

import torch
import torch.distributed as dist

from .torch_elastic_restart_store import init_attempt_process_group


def prepare_cpu_distributed(cfg) -> None:
    """Make ``cfg`` runnable with a distributed launcher when no GPU is visible.

    Sets the gloo backend and a DDP wrapper without device ids, and initialises the
    process group here: mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``
    unconditionally, which raises without a GPU. The Runner then finds the group
    initialised and skips its own ``init_dist``. A no-op with CUDA or without a launcher.
    A torchrun restart joins under its own store prefix (``torch_elastic_restart_store``).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None,
                                     broadcast_buffers=False)
    if launcher == 'pytorch' and not dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        init_attempt_process_group(
            'gloo', None if timeout is None else datetime.timedelta(seconds=timeout))
