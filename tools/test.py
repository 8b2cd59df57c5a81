"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

The launcher itself is ``mssl_plugin/cli/test.py`` (``mssl-test`` once installed).
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the checkout's plugin

from mssl_plugin.cli.test import main  # noqa: E402

if __name__ == '__main__':
    main()
