"""Two gloo processes, each holding half a batch, equal one process on the whole batch.

The objectives take the whole batch; ``gather_rows`` (what the heads call) makes it.
"""
import os
import socket
import subprocess
import tempfile

import pytest
import torch
import torch.distributed as dist

from mssl_plugin import functional as F
from tests import warm_python

pytestmark = pytest.mark.dist
WORLD_SIZE = 2


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _matrix_ssl(tensors, **kwargs):
    return F.matrix_ssl_loss(*[F.gather_rows(t) for t in tensors], **kwargs)


def _mmae(tensors, exact_grad=True, **kwargs):
    return F.mmae_uniformity(F.gather_rows(tensors[0], exact_grad=exact_grad), **kwargs)


OBJECTIVES = {
    'matrix_ssl_taylor': (_matrix_ssl, 4, {}),
    'matrix_ssl_eigh': (_matrix_ssl, 4, dict(log_method='eigh')),
    'mmae_tcr': (_mmae, 1, dict(centering=True)),
    'mmae_square': (_mmae, 1, dict(reg='square')),
    'mmae_published_grad': (_mmae, 1, dict(exact_grad=False)),
}


def _full_batch(name, sizes, dim):
    generator = torch.Generator().manual_seed(1234)
    _, count, _ = OBJECTIVES[name]
    return [torch.randn(sum(sizes), dim, generator=generator, dtype=torch.float64)
            for _ in range(count)]


def _worker(rank, port, sizes, dim, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    try:
        results = {}
        for name, (fn, _, kwargs) in OBJECTIVES.items():
            start = sum(sizes[:rank])
            local = [t[start:start + sizes[rank]].clone().requires_grad_()
                     for t in _full_batch(name, sizes, dim)]
            value = fn(local, **kwargs)
            grads = torch.autograd.grad(value, local)
            results[name] = dict(value=value.detach(), grads=[g.detach() for g in grads])
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module', params=[((6, 6), 20), ((9, 5), 6)],
                ids=['equal-halves-m<d', 'unequal-halves-m>d'])
def distributed_results(request):
    sizes, dim = request.param
    port = free_port()
    with tempfile.TemporaryDirectory() as out_dir:
        # two real processes, forked from the warm server (a spawned interpreter would
        # spend ~9 s importing the stack that importing mssl_plugin pulls in)
        ranks = [warm_python.popen(
            ['-c', f'from tests.functional.test_distributed import _worker; '
                   f'_worker({rank}, {port}, {sizes!r}, {dim}, {out_dir!r})'],
            stdout=subprocess.DEVNULL) for rank in range(WORLD_SIZE)]
        codes = [rank.wait_or_kill(300) for rank in ranks]
        assert codes == [0] * WORLD_SIZE, codes
        results = [torch.load(os.path.join(out_dir, f'rank{r}.pt')) for r in range(WORLD_SIZE)]
    return sizes, dim, results


@pytest.mark.parametrize('name', list(OBJECTIVES))
def test_two_processes_equal_one(name, distributed_results):
    sizes, dim, all_results = distributed_results
    results = [r[name] for r in all_results]
    fn, _, kwargs = OBJECTIVES[name]
    full = [t.requires_grad_() for t in _full_batch(name, sizes, dim)]
    value = fn(full, **kwargs)
    expected_grads = torch.autograd.grad(value, full)
    exact = kwargs.get('exact_grad', True)
    for rank, result in enumerate(results):
        torch.testing.assert_close(result['value'], value.detach())
        start = sum(sizes[:rank])
        for got, want in zip(result['grads'], expected_grads):
            want = want[start:start + sizes[rank]]
            # exact: every rank holds W x its slice; DDP's average over W ranks then gives
            # exactly the single-process gradient. Published M-MAE gather: 1 x the slice,
            # i.e. 1/W of the true gradient after DDP averaging.
            torch.testing.assert_close(got / WORLD_SIZE if exact else got, want)
