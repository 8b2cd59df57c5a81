"""Options and error reporting every launcher-facing tool shares (train, test)."""
import contextlib
import os
import sys

from mmengine.config import DictAction

from mssl_plugin.compat.mmengine_checkpoint_loader import VERBOSE_VARIABLE
from mssl_plugin.engine.checkpoint_files import CheckpointFileError


def parse_common(parser, argv=None):
    """Add ``--cfg-options``, ``--launcher``, ``--local-rank`` and ``--verbose``, parse,
    export LOCAL_RANK."""
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.head.loss.gamma=0.5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--verbose', action='store_true',
                        help="mmengine's full log on screen and tracebacks of refused files")
    args = parser.parse_args(argv)
    if args.verbose:  # read where mmengine's runner raises, e.g. the checkpoint loader
        os.environ[VERBOSE_VARIABLE] = '1'
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


@contextlib.contextmanager
def one_line_errors(verbose: bool = False):
    """A refused checkpoint file ends the tool with one ``error:`` line and exit code 1
    (the traceback only with ``--verbose``)."""
    try:
        yield
    except CheckpointFileError as error:
        if verbose:
            raise
        sys.exit(f'error: {error}')
