import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmpretrain.registry import HOOKS
from mssl_plugin.datasets.transforms.checked_image_loading import SKIPPED_IMAGES_ENV


@HOOKS.register_module()
class SkippedImagesHook(Hook):
    """Count the images ``CheckedLoadImageFromFile(skip_unreadable=True)`` skipped.

    Before training it points the data workers (which inherit the environment) at
    ``<work_dir>/skipped_images.txt``; after every epoch it logs how many images were
    skipped in that epoch and in all, and where they are listed. Nothing is logged
    while no image was skipped.
    """

    priority = 'LOW'

    def before_train(self, runner) -> None:
        self.path = osp.join(runner.work_dir, 'skipped_images.txt')
        os.environ[SKIPPED_IMAGES_ENV] = self.path
        self.seen = self._count()

    def _count(self) -> int:
        if not osp.isfile(self.path):
            return 0
        with open(self.path) as f:
            return sum(1 for line in f if line.strip())

    def after_train_epoch(self, runner) -> None:
        total = self._count()
        if total > self.seen and is_main_process():
            print_log(f'epoch {runner.epoch + 1}: skipped {total - self.seen} unreadable '
                      f'image(s) ({total} in all, listed in {self.path}); run '
                      'tools/check_dataset.py CONFIG to find them before training',
                      logger='current', level=30)
        self.seen = total
