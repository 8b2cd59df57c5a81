"""Extract a backbone-only state dict from a Matrix-SSL checkpoint.

    python tools/model_converters/extract_backbone_weights.py IN OUT \\
        [--branch online|target] [--format mmdet|torchvision] [--force]

IN is a plugin training checkpoint (``backbone.*`` / ``target_net.module.0.*``) or an
official Matrix-SSL checkpoint (``module.encoder.*`` / ``module.teacher.*``, torchvision
ResNet names). OUT holds the ResNet weights with plain keys (``conv1.weight``,
``layer1.0.bn1.running_mean``, ...), the names mmdet's and mmpretrain's ``ResNet``
and torchvision's ``resnet50`` share:

* ``--format mmdet`` (default): ``{'state_dict': ..., 'meta': ...}`` for
  ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` in mmdet / mmpretrain;
* ``--format torchvision``: the bare state dict for ``torchvision.models.resnet50()
  .load_state_dict(..., strict=False)`` (no ``fc``: the projector is not a classifier).

``--branch online`` (default) takes the online encoder, the one the reference linear
evaluation and the paper's transfer experiments load (``module.encoder``, as MoCo /
MEC / mmpretrain's BYOL benchmarks do); ``--branch target`` takes the EMA teacher.

The input is loaded with ``weights_only=True`` (the plugin's allow-list covers the
mmengine types in training checkpoints). The tool refuses to write an empty or partial
backbone (it lists the missing keys), never overwrites OUT without ``--force``, and
writes through a temporary file so OUT is never left half-written.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

import torch  # noqa: E402

PREFIXES = {
    'online': ('backbone.', 'module.encoder.0.', 'module.encoder.', 'encoder.'),
    'target': ('target_net.module.0.', 'module.teacher.0.', 'module.teacher.', 'teacher.'),
}


class ConversionError(ValueError):
    pass


def load_state_dict(path):
    if not osp.isfile(path):
        raise ConversionError(f'input checkpoint {path} does not exist')
    from mssl_plugin.engine.checkpoint_files import CheckpointFileError, load_checkpoint_file
    size_mb = osp.getsize(path) / 2**20
    print(f'loading {path} ({size_mb:.1f} MiB, weights_only=True)', flush=True)
    try:
        checkpoint = load_checkpoint_file(path)
    except CheckpointFileError as error:
        raise ConversionError(str(error)) from None
    from mssl_plugin.engine import state_dict_of
    state_dict = state_dict_of(checkpoint)
    if state_dict is None:
        found = sorted(checkpoint)[:8] if isinstance(checkpoint, dict) \
            else type(checkpoint).__name__
        raise ConversionError(f'{path} holds no state dict (top level: {found})')
    return state_dict


def select_backbone(state_dict, branch):
    """Strip the branch prefix; drop the torchvision ``fc`` (the projector in official files)."""
    for prefix in PREFIXES[branch]:
        selected = {k[len(prefix):]: v for k, v in state_dict.items()
                    if k.startswith(prefix) and not k[len(prefix):].startswith('fc.')}
        if selected:
            return prefix, selected
    sample = ', '.join(sorted(state_dict)[:5])
    raise ConversionError(
        f'no {branch} backbone keys in the checkpoint: looked for prefixes '
        f'{PREFIXES[branch]}, found keys like: {sample}')


def reference_keys(selected):
    """Key set of the torchvision-named ResNet these weights overlap most (a partial
    backbone is still recognised, so its missing keys can be listed)."""
    from mmpretrain.models import ResNet
    best = None
    for depth in (18, 34, 50, 101, 152):
        expected = set(ResNet(depth=depth, drop_path_rate=0.0).state_dict())
        score = (len(expected & set(selected)), -len(expected - set(selected)))
        if best is None or score > best[0]:
            best = (score, depth, expected)
    (overlap, _), depth, expected = best
    if overlap == 0:
        raise ConversionError('the selected keys do not look like a ResNet: '
                              f'{", ".join(sorted(selected)[:5])}')
    return depth, expected


def extract(src, dst, branch='online', fmt='mmdet', force=False):
    if osp.exists(dst) and not force:
        raise ConversionError(f'{dst} already exists; pass --force to overwrite it')
    state_dict = load_state_dict(src)
    prefix, selected = select_backbone(state_dict, branch)
    depth, expected = reference_keys(selected)
    missing = sorted(expected - set(selected))
    unexpected = sorted(set(selected) - expected)
    print(f'{branch} branch under {prefix!r}: {len(expected) - len(missing)}/{len(expected)} '
          f'ResNet-{depth} keys matched', flush=True)
    if missing:
        shown = ', '.join(missing[:10]) + (' ...' if len(missing) > 10 else '')
        raise ConversionError(f'partial backbone: {len(missing)} ResNet-{depth} key(s) missing '
                              f'({shown}); refusing to write {dst}')
    from mmengine.utils import ProgressBar
    large = osp.getsize(src) > 256 * 2**20
    progress = ProgressBar(len(expected)) if large else None
    backbone = {}
    for key in sorted(expected):
        backbone[key] = selected[key].clone()  # materialise (the input is memory-mapped)
        if progress is not None:
            progress.update()
    if progress is not None:
        print()
    if unexpected:
        print(f'ignored {len(unexpected)} key(s) that are not part of a ResNet: '
              f'{", ".join(unexpected[:5])}')
    payload = backbone if fmt == 'torchvision' else dict(
        state_dict=backbone, meta=dict(source=osp.abspath(src), branch=branch, prefix=prefix,
                                       depth=depth))
    out_dir = osp.dirname(osp.abspath(dst))
    os.makedirs(out_dir, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=out_dir, suffix='.partial')
    os.close(handle)
    try:
        torch.save(payload, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the weights from others
        if osp.exists(dst) and not force:  # created meanwhile: still never overwrite
            raise ConversionError(f'{dst} appeared while converting; pass --force')
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    print(f'wrote ResNet-{depth} {branch} backbone ({len(backbone)} tensors, {fmt} format) '
          f'to {dst}')
    return backbone


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training or official Matrix-SSL checkpoint')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--branch', choices=['online', 'target'], default='online')
    parser.add_argument('--format', choices=['mmdet', 'torchvision'], default='mmdet')
    parser.add_argument('--force', action='store_true', help='overwrite an existing output')
    args = parser.parse_args(argv)
    try:
        extract(args.src, args.dst, args.branch, args.format, args.force)
    except ConversionError as error:
        sys.exit(f'error: {error}')


if __name__ == '__main__':
    main()
