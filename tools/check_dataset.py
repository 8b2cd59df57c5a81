"""Decode every image of a config's datasets and list the ones that fail, before a long run.

    python tools/check_dataset.py CONFIG [--splits train val test] [--workers 2]
        [--cfg-options ...] [--out bad_images.txt]

Builds ``train_dataloader.dataset`` (and the val / test datasets when the config has
them) without their pipelines, reads and decodes each image file with the same decoder
as training (``mssl_plugin.datasets.decode_image``), in ``--workers`` processes with a
progress line, and prints every file that cannot be read with the reason, the rate in
seconds per thousand images, and a summary. Exit code 1 when any image fails.
Datasets that hold arrays instead of files (MNIST, Fashion-MNIST, CIFAR) have nothing
to check and say so.
"""
import argparse
import os.path as osp
import sys
import time
import warnings
from multiprocessing import Pool

warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the checkout's plugin

from mmengine.config import Config, DictAction  # noqa: E402

import mssl_plugin  # noqa: E402,F401  (registers `mssl_plugin::` before Config.fromfile)
from mssl_plugin.datasets import UnreadableImageError, decode_image  # noqa: E402


def _check(path):
    try:
        decode_image(path)
        return None
    except UnreadableImageError as error:
        return str(error)


def image_paths(dataset_cfg):
    from mmpretrain.registry import DATASETS
    dataset_cfg = dict(dataset_cfg, pipeline=[])
    dataset = DATASETS.build(dataset_cfg)
    paths = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'img_path' not in info:
            return None
        paths.append(info['img_path'])
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'],
                        choices=['train', 'val', 'test'])
    parser.add_argument('--workers', type=int, default=2, help='decoding processes')
    parser.add_argument('--out', help='also write the failing files here, one per line')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    failures, checked = [], 0
    for split in args.splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        paths = image_paths(loader['dataset'])
        if paths is None:
            print(f'{split}: the dataset holds arrays, not image files: nothing to check')
            continue
        print(f'{split}: decoding {len(paths)} images with {args.workers} process(es)',
              flush=True)
        start = time.time()
        with Pool(max(1, args.workers)) as pool:
            for done, (path, problem) in enumerate(
                    zip(paths, pool.imap(_check, paths, chunksize=32)), 1):
                if problem:
                    failures.append(problem)
                    print(f'  unreadable: {problem}', flush=True)
                if done % 2000 == 0 or done == len(paths):
                    rate = (time.time() - start) / done * 1000
                    print(f'  {done}/{len(paths)} checked ({rate:.2f} s per 1000 images)',
                          flush=True)
        checked += len(paths)
    if args.out:
        with open(args.out, 'w') as f:
            f.writelines(problem + '\n' for problem in failures)
    print(f'{checked} image(s) checked, {len(failures)} unreadable')
    if failures:
        print('fix or remove them, or train with '
              "CheckedLoadImageFromFile(skip_unreadable=True) to skip them")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
