"""Tiny generated data sets in the layouts the shipped configs read.

Each writer makes a handful of real image files (JPEG / PNG / idx) in the folder layout a
user puts the real data set in, so a config starts exactly as it would on the real data:

* ImageNet: ``train/<wnid>/<wnid>_<k>.JPEG``, ``val/ILSVRC2012_val_<k>.JPEG`` and
  ``meta/{train,val}.txt`` (mmpretrain's ``ImageNet``);
* a folder of classes without annotation files (mmpretrain's ``CustomDataset`` scanning
  ``<root>/train/<class>/``);
* COCO 2017: ``annotations/instances_{train,val}2017.json`` with the 80 real category
  names, ``train2017/`` and ``val2017/`` (mmdet's ``CocoDataset``);
* Fashion-MNIST: the four gunzipped idx files (mmpretrain's ``FashionMNIST``).
"""
import json
import os
import os.path as osp
import struct

import numpy as np
from PIL import Image

WNIDS = ('n01440764', 'n01443537')


def _noise_image(rng, width, height):
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def write_imagenet(root, per_class=2, size=(80, 64), seed=0):
    """ImageNet layout: two wnids, ``per_class`` train images each, as many val images."""
    rng = np.random.default_rng(seed)
    lines = {'train': [], 'val': []}
    for label, wnid in enumerate(WNIDS):
        os.makedirs(osp.join(root, 'train', wnid), exist_ok=True)
        for k in range(per_class):
            name = f'{wnid}/{wnid}_{k + 1}.JPEG'
            _noise_image(rng, *size).save(osp.join(root, 'train', name), format='JPEG')
            lines['train'].append(f'{name} {label}')
    os.makedirs(osp.join(root, 'val'), exist_ok=True)
    for k in range(per_class * len(WNIDS)):
        name = f'ILSVRC2012_val_{k + 1:08d}.JPEG'
        _noise_image(rng, *size).save(osp.join(root, 'val', name), format='JPEG')
        lines['val'].append(f'{name} {k % len(WNIDS)}')
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split, rows in lines.items():
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    return root


def write_class_folders(root, per_class=2, size=(80, 64), seed=0):
    """``<root>/train/<class>/*.JPEG`` without annotation files (CustomDataset scans it)."""
    rng = np.random.default_rng(seed)
    for name in ('cats', 'dogs'):
        os.makedirs(osp.join(root, 'train', name), exist_ok=True)
        for k in range(per_class):
            _noise_image(rng, *size).save(osp.join(root, 'train', name, f'{k}.JPEG'),
                                          format='JPEG')
    return root


def coco_category_names():
    from mmdet.datasets import CocoDataset
    return CocoDataset.METAINFO['classes']


def write_coco2017(root, images_per_split=2, size=(96, 72), seed=0):
    """COCO 2017 layout, the 80 real category names, two boxes with polygon masks each."""
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=name, supercategory='thing')
                  for i, name in enumerate(coco_category_names())]
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    width, height = size
    for split in ('train2017', 'val2017'):
        os.makedirs(osp.join(root, split), exist_ok=True)
        coco = dict(images=[], annotations=[], categories=categories)
        for image_id in range(1, images_per_split + 1):
            name = f'{image_id:012d}.jpg'
            _noise_image(rng, width, height).save(osp.join(root, split, name), format='JPEG')
            coco['images'].append(dict(id=image_id, file_name=name, width=width,
                                       height=height))
            for k in range(2):
                x, y = float(8 + 40 * k), float(10 + 20 * k)
                w, h = 30.0, 28.0
                coco['annotations'].append(dict(
                    id=len(coco['annotations']) + 1, image_id=image_id,
                    category_id=int(rng.integers(1, 81)), iscrowd=0, area=w * h,
                    bbox=[x, y, w, h],
                    segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]]))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(coco, f)
    return root


def _write_idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    with open(path, 'wb') as f:
        f.write(struct.pack('>BBBB', 0, 0, 0x08, array.ndim))
        f.write(struct.pack('>' + 'I' * array.ndim, *array.shape))
        f.write(array.tobytes())


def write_fashion_mnist(root, count=8, seed=0):
    """The four gunzipped idx files of Fashion-MNIST, ``count`` 28 x 28 images each."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    for prefix in ('train', 't10k'):
        _write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte'),
                   rng.integers(0, 256, (count, 28, 28)))
        _write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte'), np.arange(count) % 10)
    return root
