"""Image loading that names the file it could not read, and can skip it."""
import os
import warnings
from typing import Optional

import mmcv
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio

from mmpretrain.registry import TRANSFORMS

#: where a run lists the images it skipped (set by ``SkippedImagesHook``, read by it)
SKIPPED_IMAGES_ENV = 'MSSL_SKIPPED_IMAGES_LOG'


class UnreadableImageError(OSError):
    """An image file that cannot be decoded; the message names it."""


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """``LoadImageFromFile`` whose every failure names the file, with an opt-in skip.

    mmcv 2.1.0 reports a truncated file as ``AssertionError: failed to load image``,
    a zero-byte one as a ``cv2.error`` without the file name, and ends the run either
    way. Here every failure raises :class:`UnreadableImageError` naming the file and
    the reason. With ``skip_unreadable=True`` (off by default, so nothing is hidden)
    the image is skipped instead: a warning names it, the dataset draws another
    sample (mmengine's ``max_refetch``), the file is listed in
    ``<work_dir>/skipped_images.txt`` and ``SkippedImagesHook`` logs the count at the
    end of each epoch. ``tools/check_dataset.py`` finds such files before a run.

    Args:
        skip_unreadable (bool): skip unreadable images instead of stopping.
            Defaults to False.
        **kwargs: the arguments of mmcv's ``LoadImageFromFile``.
    """

    def __init__(self, skip_unreadable: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_unreadable = skip_unreadable

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            img = decode_image(filename, self.color_type, self.imdecode_backend,
                               self.backend_args)
        except UnreadableImageError as error:
            if not self.skip_unreadable:
                raise
            warnings.warn(f'skipped unreadable image ({error}); skip_unreadable=True')
            _list_skipped(filename)
            return None
        if self.to_float32:
            img = img.astype('float32')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', skip_unreadable={self.skip_unreadable})'


def decode_image(filename: str, color_type: str = 'color', backend: str = 'cv2',
                 backend_args: Optional[dict] = None):
    """Read and decode one image; :class:`UnreadableImageError` naming it on any failure."""
    try:
        data = fileio.get(filename, backend_args=backend_args)
    except Exception as error:  # missing file, permission, remote back-end
        raise UnreadableImageError(f'cannot read {filename}: {error}') from None
    if not data:
        raise UnreadableImageError(f'{filename} is empty (0 bytes)')
    try:
        img = mmcv.imfrombytes(data, flag=color_type, backend=backend)
    except Exception as error:
        raise UnreadableImageError(
            f'{filename} cannot be decoded ({len(data)} bytes): '
            f'{str(error).splitlines()[0][:120]}') from None
    if img is None:
        raise UnreadableImageError(
            f'{filename} cannot be decoded ({len(data)} bytes): truncated or not an image')
    return img


def _list_skipped(filename: str) -> None:
    path = os.environ.get(SKIPPED_IMAGES_ENV)
    if path:
        with open(path, 'a') as f:  # one short line per write: appends do not interleave
            f.write(filename + '\n')
