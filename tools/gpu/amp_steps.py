"""Training steps of the published models under AMP, checked term by term.

    python tools/gpu/amp_steps.py --out results.jsonl [--batch 32] [--steps 5]
    python tools/gpu/amp_steps.py --toy --out results.jsonl   (CPU: digits models, float32)

Matrix-SSL (ResNet-50, 224 px, two views) and M-MAE (ViT-B/16, 224 px) built from the
shipped ImageNet configs, in a one-process NCCL group with their SyncBN (the heads gather
through ``torch.distributed`` as on 8 GPUs), trained ``--steps`` steps under mmengine's
``AmpOptimWrapper`` in bf16 and in fp16. Each step's loss terms must be float32 (the
functional core upcasts and disables autocast) and finite. One JSON line per model and
dtype: step time, images/s, peak memory, the terms' dtypes and last values. ``--toy``
runs the same steps on the CPU with the digits configs, float32, gloo and BatchNorm
(``AmpOptimWrapper`` and SyncBN need CUDA): the dry run CI executes.
"""
import argparse
import json
import os
import os.path as osp
import socket
import sys
import time
import warnings

warnings.filterwarnings('ignore')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path[:0] = [REPO, osp.join(REPO, 'benchmarks')]

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mssl_plugin  # noqa: E402,F401
from mmpretrain.registry import MODELS  # noqa: E402
from step_bench import amp_optim, batch, make_runner_state  # noqa: E402

MODELS_TO_CHECK = {
    # name: (ImageNet config, toy config, views, the terms that must be float32)
    'Matrix-SSL ResNet-50': ('configs/matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py',
                             'configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py',
                             2, ('uniformity', 'alignment')),
    'M-MAE ViT-B/16': ('configs/m_mae/m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py',
                       'configs/m_mae/m-mae_vit-tiny-p4_1xb64-coslr-10e_digits.py',
                       1, ('loss_uniformity', 'uniformity')),
}


def one_process_group(backend):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    dist.init_process_group(backend, init_method=f'tcp://127.0.0.1:{port}', rank=0,
                            world_size=1)


def check(name, config, views, terms, dtype, args, device):
    cfg = Config.fromfile(osp.join(REPO, config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if device != 'cuda':  # SyncBN runs on CUDA only: BatchNorm, as mmengine's Runner does
        model = revert_sync_batchnorm(model)
    model.init_weights()
    model.to(device).train()
    optim = build_optim_wrapper(model, amp_optim(cfg.optim_wrapper, dtype))
    size = 32 if args.toy else 224
    data = batch(views, size, args.batch)
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    dtypes, values, times = {}, {}, []
    for step in range(args.steps + 1):  # the first step is a warm-up
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        inputs = model.data_preprocessor(data, True)
        with optim.optim_context(model):
            losses = model(**inputs, mode='loss')
        for term in terms:
            value = losses[term]
            dtypes[term] = str(value.dtype).replace('torch.', '')
            values[term] = float(value.detach())
            if value.dtype != torch.float32 or not torch.isfinite(value).all():
                raise FloatingPointError(f'{name} {dtype}: {term} is {value.dtype} '
                                         f'{float(value.detach())} at step {step}')
        loss, _ = model.parse_losses(losses)
        optim.update_params(loss)
        if device == 'cuda':
            torch.cuda.synchronize()
        if step:
            times.append(time.perf_counter() - start)
    step_s = sorted(times)[len(times) // 2]
    return dict(model=name + (' (toy size)' if args.toy else ''), config=config,
                dtype=dtype or 'float32', device=device,
                batch=args.batch, step_ms=round(1e3 * step_s, 1),
                images_per_s=round(args.batch / step_s, 1),
                peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2)
                if device == 'cuda' else None,
                term_dtypes=dtypes, last_terms=values, loss=float(loss.detach()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='JSON lines, one per model and dtype')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--toy', action='store_true', help='CPU, digits configs, float32')
    args = parser.parse_args(argv)
    device = 'cpu' if args.toy else 'cuda'
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('error: no CUDA device: run with --toy for the CPU dry run')
    init_default_scope('mmpretrain')
    import logging

    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    make_runner_state(max_iters=1000)
    one_process_group('nccl' if device == 'cuda' else 'gloo')
    dtypes = [None] if args.toy else ['bf16', 'fp16']
    failed = False
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    for name, (imagenet, toy, views, terms) in MODELS_TO_CHECK.items():
        for dtype in dtypes:
            try:
                row = check(name, toy if args.toy else imagenet, views, terms, dtype, args,
                            device)
            except Exception as error:  # recorded, and the other checks still run
                failed = True
                row = dict(model=name, dtype=dtype or 'float32', error=f'{type(error).__name__}: '
                           f'{str(error)[:500]}')
            print(json.dumps(row), flush=True)
            with open(args.out, 'a') as f:
                f.write(json.dumps(row) + '\n')
    dist.destroy_process_group()
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
