"""Full training-step time of MatrixSSL vs mmpretrain's BYOL / SimSiam, and MMAE vs MAE.

    .venv/bin/python benchmarks/step_bench.py [--batch 32] [--steps 10] [--rounds 5]
    python benchmarks/step_bench.py --imagenet --amp bf16 --batch 128   (the GPU check)

Every model is built through the registry from the plugin's CPU configs, with the
same backbone, necks and data (already in memory); a step is mmengine's
``model.train_step`` (preprocessing, forward, loss, backward, optimiser step, and
the EMA update inside the forward of MatrixSSL/BYOL) with a real ``OptimWrapper``.
Models are timed in interleaved rounds so machine drift hits all of them alike;
the median step time and the ratio to the baseline of the same run are printed.

``--imagenet`` times the published models instead (ResNet-50 and ViT-B/16 at 224 px,
SyncBN as BN: one process), ``--amp bf16|fp16`` under mmengine's ``AmpOptimWrapper``;
images per second and, on CUDA, each model's peak memory are printed too.

``--save`` times the checkpoint a stop on a signal writes (``PreemptionHook`` through
``AtomicCheckpointHook``) for the Matrix-SSL model: weights (online and EMA target) and
optimiser state after one step, written as mmengine's runner writes them to a hidden
name and renamed into place: the number to size a scheduler's grace time on.

Last, the per-iteration cost of ``PreemptionHook``'s check (one all-reduce of one
number across the ranks), timed in a 2-process gloo group (``--ranks``) and given as a
share of the Matrix-SSL step measured above.
"""
import argparse
import copy
import platform
import statistics
import time
import warnings

warnings.filterwarnings('ignore')

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mssl_plugin  # noqa: E402,F401
from mmpretrain.registry import MODELS  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

MATRIX_SSL = 'configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py'
MMAE = 'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py'
MATRIX_SSL_IMAGENET = 'configs/matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'
MMAE_IMAGENET = 'configs/m_mae/m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py'


def amp_optim(optim_cfg, dtype):
    """``optim_cfg`` under mmengine's AmpOptimWrapper in ``dtype``, or float32 (None)."""
    cfg = copy.deepcopy(optim_cfg)
    cfg.pop('loss_scale', None)
    cfg.pop('dtype', None)
    if dtype is None:
        cfg['type'] = 'OptimWrapper'
        return cfg
    cfg['type'] = 'AmpOptimWrapper'
    cfg['dtype'] = {'bf16': 'bfloat16', 'fp16': 'float16'}[dtype]
    if dtype == 'fp16':
        cfg['loss_scale'] = 'dynamic'
    return cfg


def siamese_variants(cfg):
    byol = copy.deepcopy(cfg)
    byol.type = 'BYOL'
    byol.pop('end_momentum')
    byol.head = dict(type='LatentPredictHead', predictor=cfg.head.predictor,
                     loss=dict(type='CosineSimilarityLoss'))
    simsiam = copy.deepcopy(byol)
    simsiam.type = 'SimSiam'
    simsiam.pop('base_momentum')
    return {'BYOL (mmpretrain)': byol, 'SimSiam (mmpretrain)': simsiam, 'MatrixSSL': cfg}


def mae_variants(cfg):
    mae = copy.deepcopy(cfg)
    mae.type = 'MAE'
    for key in ('uniformity_head', 'probe_head', 'reg_feature'):
        mae.pop(key)
    no_probe = copy.deepcopy(cfg)
    no_probe.probe_head = None
    return {'MAE (mmpretrain)': mae, 'MMAE': no_probe, 'MMAE + online probe': cfg}


def make_runner_state(max_iters):
    MessageHub.get_current_instance().update_info('max_iters', max_iters)
    MessageHub.get_current_instance().update_info('iter', 0)


def build(model_cfg, optim_cfg, device='cpu'):
    torch.manual_seed(0)
    # one process: SyncBN as BatchNorm, as mmengine's Runner does without a process group
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    model.init_weights()
    model.to(device).train()
    return model, build_optim_wrapper(model, optim_cfg)


def batch(views, size, n, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=generator)
              for _ in range(n)]
    inputs = [torch.stack(images) for _ in range(views)] if views > 1 else torch.stack(images)
    return dict(inputs=inputs, data_samples=[DataSample().set_gt_label(i % 10) for i in range(n)])


def synchronize(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def _time_preemption_check(rank, world_size, port, calls, out):
    import torch.distributed as dist

    from mssl_plugin.engine import PreemptionHook
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                            world_size=world_size)
    torch.set_num_threads(1)
    hook = PreemptionHook()
    times = []
    for _ in range(calls):
        dist.barrier()
        start = time.perf_counter()
        hook._stop_requested()
        times.append(time.perf_counter() - start)
    if rank == 0:
        torch.save(torch.tensor(times[calls // 10:]), out)
    dist.destroy_process_group()


def bench_preemption_check(step_seconds, ranks=2, calls=2000):
    import os
    import socket
    import tempfile

    import torch.multiprocessing as mp
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    out = os.path.join(tempfile.mkdtemp(), 'times.pt')
    mp.spawn(_time_preemption_check, args=(ranks, port, calls, out), nprocs=ranks)
    median = float(torch.load(out).median())
    print(f'\nPreemptionHook check ({ranks} gloo processes, median of {calls} calls): '
          f'{1e6 * median:.0f} us per iteration = {100 * median / step_seconds:.2f} % of '
          f'the Matrix-SSL step above ({1e3 * step_seconds:.0f} ms)')


def bench_checkpoint_save(model_cfg, optim_cfg, data, device='cpu', repeats=3):
    import os
    import tempfile

    from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
    model, optim = build(model_cfg, optim_cfg, device)
    model.train_step(data, optim)  # the optimiser state exists after the first step
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, 'iter_1.pth')
        for _ in range(repeats):
            start = time.perf_counter()
            checkpoint = dict(meta=dict(iter=1), state_dict=weights_to_cpu(model.state_dict()),
                              optimizer=optim.state_dict())
            partial = os.path.join(folder, '.iter_1.pth.partial')
            save_checkpoint(checkpoint, partial)
            os.replace(partial, target)
            seconds.append(time.perf_counter() - start)
        size = os.path.getsize(target) / 2**20
    print(f'\ncheckpoint a stop writes (MatrixSSL: weights, EMA target, optimiser state): '
          f'{size:.0f} MiB in {statistics.median(seconds):.2f} s (median of {repeats}, '
          f'min {min(seconds):.2f} s)')
    return statistics.median(seconds)


def bench(group, variants, optim_cfg, data, steps, rounds, device='cpu'):
    built = {name: build(cfg, optim_cfg, device) for name, cfg in variants.items()}
    memory = {}
    for name, (model, optim) in built.items():  # warm-up, and each model's peak memory
        if device == 'cuda':
            torch.cuda.reset_peak_memory_stats()
        for _ in range(2):
            model.train_step(data, optim)
        if device == 'cuda':
            memory[name] = torch.cuda.max_memory_allocated() / 2**30
    times = {name: [] for name in built}
    for _ in range(rounds):
        for name, (model, optim) in built.items():
            synchronize(device)
            start = time.perf_counter()
            for _ in range(steps):
                model.train_step(data, optim)
            synchronize(device)
            times[name].append((time.perf_counter() - start) / steps)
    baseline = statistics.median(next(iter(times.values())))
    images = len(data['data_samples'])
    print(f'\n{group}')
    print(f'{"model":<24}{"median step (ms)":>18}{"min (ms)":>10}{"vs baseline":>13}'
          f'{"images/s":>10}' + (f'{"peak GiB":>10}' if memory else ''))
    for name, values in times.items():
        median = statistics.median(values)
        print(f'{name:<24}{1e3 * median:>18.1f}{1e3 * min(values):>10.1f}'
              f'{100 * (median / baseline - 1):>+12.1f}%{images / median:>10.1f}'
              + (f'{memory[name]:>10.2f}' if memory else ''))
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='cuda: models on the GPU (SyncBN needs a process group: BN here)')
    parser.add_argument('--imagenet', action='store_true',
                        help='the published ResNet-50 / ViT-B/16 models at 224 px')
    parser.add_argument('--amp', choices=['bf16', 'fp16'],
                        help="mmengine's AmpOptimWrapper in this dtype")
    parser.add_argument('--save', action='store_true',
                        help='also time the checkpoint a stop on a signal writes')
    parser.add_argument('--ranks', type=int, default=2,
                        help='processes for the PreemptionHook check (0: skip it)')
    args = parser.parse_args()
    init_default_scope('mmpretrain')
    import logging

    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.ERROR)  # no per-parameter init dumps
    make_runner_state(max_iters=1000)
    where = torch.cuda.get_device_name() if args.device == 'cuda' else \
        f'{torch.get_num_threads()} threads'
    print(f'torch {torch.__version__}, {platform.machine()}, {args.device} ({where}), '
          f'batch {args.batch}, {args.steps} steps x {args.rounds} interleaved rounds')
    size = 224 if args.imagenet else 32
    ssl_cfg = Config.fromfile(MATRIX_SSL_IMAGENET if args.imagenet else MATRIX_SSL)
    ssl_name = 'ResNet-50' if args.imagenet else 'ResNet-18'
    siamese = bench(f'{ssl_name}, {size} px, two views, {args.amp or "float32"}',
                    siamese_variants(ssl_cfg.model),
                    amp_optim(ssl_cfg.optim_wrapper, args.amp), batch(2, size, args.batch),
                    args.steps, args.rounds, args.device)
    if args.save:
        bench_checkpoint_save(siamese_variants(ssl_cfg.model)['MatrixSSL'],
                              amp_optim(ssl_cfg.optim_wrapper, args.amp),
                              batch(2, size, args.batch), args.device)
    mae_cfg = Config.fromfile(MMAE_IMAGENET if args.imagenet else MMAE)
    mae_name = 'ViT-B/16' if args.imagenet else 'ViT 4x128 patch 4'
    bench(f'{mae_name}, {size} px, {args.amp or "float32"}',
          mae_variants(mae_cfg.model),
          amp_optim(mae_cfg.optim_wrapper, args.amp), batch(1, size, args.batch), args.steps,
          args.rounds, args.device)
    if args.ranks > 1:
        bench_preemption_check(siamese['MatrixSSL'], ranks=args.ranks)


if __name__ == '__main__':
    main()
