"""mmpretrain 1.2.0's ``MNIST`` / ``FashionMNIST`` ignore ``split='test'``.

mmpretrain 1.2.0 added the ``split`` argument to ``MNIST`` (and so ``FashionMNIST``) but
``load_data_list`` still picks the files by ``test_mode``, which defaults to ``False``:
``FashionMNIST(split='test')`` silently reads the 60,000 *train* images, so a "test"
read-out scores images the read-out was fitted on. (``CIFAR10`` of the same release
chooses by ``split``.) The replacement constructor passes ``test_mode=True`` for
``split='test'``, which makes ``split`` mean what mmpretrain documents; ``test_mode``
stays what it was for ``split='train'`` (mmpretrain warns about that combination).
Delete this module when mmpretrain's ``MNIST.load_data_list`` reads ``self.split``.
"""
import functools
import inspect

from mmpretrain.datasets.mnist import MNIST

_original_init = MNIST.__init__
_signature = inspect.signature(_original_init)


@functools.wraps(_original_init)
def _init_reading_the_split(self, *args, **kwargs):
    bound = _signature.bind(self, *args, **kwargs)
    bound.apply_defaults()
    if bound.arguments['split'] == 'test':
        bound.arguments['test_mode'] = True
    _original_init(*bound.args, **bound.kwargs)


def patch_mmpretrain_mnist_split() -> None:
    """Make ``MNIST(split='test')`` (and every subclass) read the test files (idempotent)."""
    MNIST.__init__ = _init_reading_the_split
