"""Options every launcher-facing tool shares (train, test)."""
import os

from mmengine.config import DictAction


def parse_common(parser, argv=None):
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``, parse, export LOCAL_RANK."""
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.head.loss.gamma=0.5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
