"""torch 2.14.1's gloo teardown can abort a finished rank: leave the group, then ``os._exit``.

After a finished 2-process gloo run (barrier and ``destroy_process_group`` done), one rank's
interpreter teardown sometimes aborts with "terminate called without an active exception"
(exit -6, seen twice on 2026-12-07 under load, once in ``tests/tools/test_preemption.py``'s
uninterrupted run); torchrun then reports the finished job as failed. Its cause inside
torch was not pinned down. The launcher ends a distributed run here instead: every rank
leaves the process group together, logs and standard streams are flushed, and the process
ends with ``os._exit`` (code 0; a stop by signal is a clean stop too), skipping the teardown.
Everything the run wrote is closed by then. Delete when a finished gloo rank no longer
aborts at interpreter exit (check the preemption tests' uninterrupted run under load).
"""
import logging
import os
import sys

import torch.distributed as dist


def end_distributed_process() -> None:
    """Leave the process group together and end the process (code 0) without the
    interpreter's teardown; a no-op without a process group."""
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    dist.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
