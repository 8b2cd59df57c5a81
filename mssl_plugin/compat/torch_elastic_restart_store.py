"""torchrun's static rendezvous keeps one store across ``--max-restarts`` (torch 2.14.1).

``tools/dist_train.sh`` starts torchrun with ``--master_addr/--master_port``, i.e. the
static rendezvous, whose agent creates its ``TCPStore`` once and hands the same store to
every restarted worker group, while workers join it (``TORCHELASTIC_USE_AGENT_STORE``)
without an attempt prefix. A restarted rank can then read the previous attempt's keys:
gloo connects to the dead peer's port ("Connection refused") and the restart fails, at
random, depending on which rank publishes first. Workers here join under a prefix naming
the attempt (``TORCHELASTIC_RESTART_COUNT``). Delete when torch prefixes worker stores
by attempt under the static rendezvous.
"""
import datetime
import os
from typing import Optional

import torch.distributed as dist


def init_attempt_process_group(backend: str,
                               timeout: Optional[datetime.timedelta] = None) -> None:
    """``dist.init_process_group(backend)`` from the launcher's environment, under a
    store prefix per torchrun attempt when the workers share torchrun's agent store."""
    kwargs = {} if timeout is None else dict(timeout=timeout)
    attempt = os.environ.get('TORCHELASTIC_RESTART_COUNT')
    if attempt is None or os.environ.get('TORCHELASTIC_USE_AGENT_STORE') != str(True):
        dist.init_process_group(backend=backend, **kwargs)
        return
    world_size = int(os.environ['WORLD_SIZE'])
    store = dist.TCPStore(os.environ['MASTER_ADDR'], int(os.environ['MASTER_PORT']),
                          world_size, is_master=False,
                          timeout=timeout or datetime.timedelta(minutes=30))
    dist.init_process_group(backend=backend,
                            store=dist.PrefixStore(f'mssl_plugin/attempt_{attempt}', store),
                            rank=int(os.environ['RANK']), world_size=world_size, **kwargs)
