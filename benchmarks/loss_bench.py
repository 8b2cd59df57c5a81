"""Forward+backward time of the Matrix-SSL loss and M-MAE regulariser vs the published formulas.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/loss_bench.py [--sizes 256x2048 1024x2048] [--grid]
        [--device cpu] [--baseline-max-d 2048] [--term-split]

The baselines are written here straight from the reference code: an explicit
m x m centring matrix and d x d Taylor powers (Matrix-SSL ``mce_loss_func``),
and a d x d log-determinant (M-MAE ``uniformity_loss_TCR``). Both sides run in
the same process, float32, and the ratio baseline / plugin is printed with the
relative difference of the values. ``--grid`` runs m in {64, 256, 1024} x d in
{256, 2048, 8192}; the baseline is skipped above ``--baseline-max-d`` (d = 8192 takes
minutes per call on 2 cores). Also printed: the peak resident memory one call adds,
measured in a fresh process (Linux ``VmHWM``; CPU only), and the plugin's achieved GFLOP/s against
``torch.mm``'s measured rate on the same machine (flop count of the batch-space
computation: 4 Gram products plus the order-4 power traces, backward = 2 x forward).
"""
import argparse
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from mssl_plugin.functional import matrix_ssl_loss, matrix_ssl_terms, mmae_uniformity


def published_matrix_ssl(z1, z2, p1, p2, lam=1.0, mu=1.0, gamma=1.0, order=4):
    def matrix_log(q):
        x = q - torch.eye(q.shape[0], device=q.device)
        power, result = x, torch.zeros_like(q)
        for k in range(1, order + 1):
            result = result + power * ((-1) ** (k + 1) / k)
            power = power @ x
        return result

    def mce(p, z, correlation):
        p, z = F.normalize(p), F.normalize(z)
        m, d = z.shape
        centering = torch.eye(m, device=z.device) - torch.ones(m, m, device=z.device) / m
        eye = torch.eye(d, device=z.device)
        if correlation:
            big_p, big_q = lam * eye, p.T @ centering @ z / m + mu * eye
        else:
            big_p = p.T @ centering @ p / m + mu * eye
            big_q = z.T @ centering @ z / m + mu * eye
        return torch.trace(-big_p @ matrix_log(big_q))

    return 0.5 * (mce(p2, z1, True) + mce(p1, z2, True)
                  + gamma * (mce(p2, z1, False) + mce(p1, z2, False)))


def published_tcr(f, mu=3.0):
    f = F.normalize(f)
    sim = f.T @ f
    return -torch.logdet(torch.eye(sim.shape[0], device=f.device) + mu / sim.shape[0] * sim)


def _status_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


FUNCTIONS = {
    ('matrix-ssl', 'baseline'): lambda: published_matrix_ssl,
    ('matrix-ssl', 'plugin'): lambda: matrix_ssl_loss,
    ('m-mae tcr', 'baseline'): lambda: published_tcr,
    ('m-mae tcr', 'plugin'): lambda: mmae_uniformity,
}


def _memory_worker(objective, which, m, d, queue):
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    count = 4 if objective == 'matrix-ssl' else 1
    leaves = [torch.randn(m, d, generator=gen).requires_grad_() for _ in range(count)]
    fn = FUNCTIONS[(objective, which)]()
    before = _status_kib('VmRSS')
    fn(*leaves).backward()
    queue.put((_status_kib('VmHWM') - before) / 1024)


def peak_extra_mib(objective, which, m, d):
    """Peak resident memory one forward+backward adds, measured in a fresh process (Linux)."""
    import multiprocessing
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    process = context.Process(target=_memory_worker, args=(objective, which, m, d, queue))
    process.start()
    process.join()
    return queue.get() if process.exitcode == 0 else float('nan')


def plugin_flops(m, d, order=4):
    """Flops of one forward+backward of matrix_ssl_loss (dominant terms)."""
    small, big = min(m, d), max(m, d)
    forward = 4 * 2 * small * small * big + 6 * 2 * small ** 3 * (order / 4)
    return 3 * forward


def mm_gflops(device, n=2048, repeats=5):
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device == 'cuda':
        torch.cuda.synchronize()
    return 2 * n ** 3 * repeats / (time.perf_counter() - start) / 1e9


def time_fn(fn, inputs, repeats, device):
    times, value = [], None
    for _ in range(repeats):
        leaves = [t.detach().clone().requires_grad_() for t in inputs]
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        value = fn(*leaves)
        value.backward()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), float(value.detach())


def two_term_losses(z1, z2, p1, p2):
    """What ``[MatrixUniformityLoss, MatrixAlignmentLoss]`` compute: no shared Gram matrices."""
    return (matrix_ssl_terms(z1, z2, p1, p2, terms=('uniformity', ))['uniformity']
            + matrix_ssl_terms(z1, z2, p1, p2, terms=('alignment', ))['alignment'])


def compare_term_split(sizes, repeats, device):
    """MatrixSSLLoss (both terms, one set of Gram matrices) against the two term losses,
    timed in alternation so drift hits both alike."""
    print(f'{"m":>6}{"d":>6}{"MatrixSSLLoss s":>17}{"two term losses s":>19}{"ratio":>8}'
          f'{"rel. diff":>11}')
    for size in sizes:
        m, d = (int(v) for v in size.split('x'))
        gen = torch.Generator().manual_seed(0)
        branches = [torch.randn(m, d, generator=gen).to(device) for _ in range(4)]
        time_fn(matrix_ssl_loss, branches, 1, device)
        together, apart = [], []
        for _ in range(repeats):
            together.append(time_fn(matrix_ssl_loss, branches, 1, device))
            apart.append(time_fn(two_term_losses, branches, 1, device))
        one = statistics.median(t for t, _ in together)
        two = statistics.median(t for t, _ in apart)
        rel = abs(together[0][1] - apart[0][1]) / max(abs(together[0][1]), 1e-12)
        print(f'{m:>6}{d:>6}{one:>17.4f}{two:>19.4f}{two / one:>7.2f}x{rel:>11.1e}', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', nargs='+', default=['256x2048', '1024x2048'])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--baseline-repeats', type=int, default=1)
    parser.add_argument('--grid', action='store_true', help='m in {64,256,1024} x d in '
                        '{256,2048,8192}')
    parser.add_argument('--baseline-max-d', type=int, default=2048)
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory columns (each is a fresh process)')
    parser.add_argument('--term-split', action='store_true',
                        help='time MatrixSSLLoss against MatrixUniformityLoss + '
                        'MatrixAlignmentLoss instead of against the published formula')
    args = parser.parse_args()
    sizes = [f'{m}x{d}' for d in (256, 2048, 8192) for m in (64, 256, 1024)] \
        if args.grid else args.sizes
    if args.term_split:
        print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
              f'device {args.device}')
        compare_term_split(sizes, max(args.repeats, 5), args.device)
        return
    peak = mm_gflops(args.device)
    print(f'torch {torch.__version__}, {platform.processor() or platform.machine()}, '
          f'{torch.get_num_threads()} threads, device {args.device}, '
          f'torch.mm 2048^3: {peak:.1f} GFLOP/s')
    print(f'{"objective":<12}{"m":>6}{"d":>6}{"baseline s":>12}{"plugin s":>10}'
          f'{"speed-up":>10}{"rel. diff":>11}{"base MiB":>10}{"ours MiB":>10}'
          f'{"GFLOP/s":>9}{"% of mm":>8}')
    for size in sizes:
        m, d = (int(v) for v in size.split('x'))
        gen = torch.Generator().manual_seed(0)
        branches = [torch.randn(m, d, generator=gen).to(args.device) for _ in range(4)]
        cases = [
            ('matrix-ssl', published_matrix_ssl, matrix_ssl_loss, branches),
            ('m-mae tcr', published_tcr, mmae_uniformity, branches[:1]),
        ]
        for name, baseline, ours, inputs in cases:
            time_fn(ours, inputs, 1, args.device)  # warm-up
            ours_s, ours_v = time_fn(ours, inputs, args.repeats, args.device)
            memory = (lambda which: float('nan')) if args.no_memory else \
                (lambda which: peak_extra_mib(name, which, m, d))
            ours_mib = memory('plugin')
            if d <= args.baseline_max_d:
                base_s, base_v = time_fn(baseline, inputs, args.baseline_repeats, args.device)
                base_mib = memory('baseline')
                rel = abs(base_v - ours_v) / max(abs(base_v), 1e-12)
                compare = (f'{base_s:>12.3f}{ours_s:>10.4f}{base_s / ours_s:>9.1f}x{rel:>11.1e}'
                           f'{base_mib:>10.0f}{ours_mib:>10.0f}')
            else:
                compare = (f'{"skipped":>12}{ours_s:>10.4f}{"-":>10}{"-":>11}{"-":>10}'
                           f'{ours_mib:>10.0f}')
            if name == 'matrix-ssl':
                gflops = plugin_flops(m, d) / ours_s / 1e9
                rate = f'{gflops:>9.1f}{100 * gflops / peak:>7.0f}%'
            else:
                rate = f'{"-":>9}{"-":>8}'
            print(f'{name:<12}{m:>6}{d:>6}{compare}{rate}', flush=True)


if __name__ == '__main__':
    main()
