"""Train from a config: ``python tools/train.py CONFIG [options]``.

The launcher itself is ``mssl_plugin/cli/train.py`` (``mssl-train`` once installed).
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the checkout's plugin

from mssl_plugin.cli.train import main  # noqa: E402

if __name__ == '__main__':
    main()
