#!/usr/bin/env bash
# tools/dist_train.sh CONFIG GPUS [ARGS...]
# Knobs (environment): NNODES, NODE_RANK, MASTER_ADDR, PORT (multi-node, as mmpretrain's);
# MAX_RESTARTS (default 0): torchrun restarts the whole worker group up to this many times
# after a worker dies, and the restarted group resumes from the work dir's last checkpoint
# by itself (tools/train.py reads TORCHELASTIC_RESTART_COUNT).
set -euo pipefail
CONFIG=$1
GPUS=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
MAX_RESTARTS=${MAX_RESTARTS:-0}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}

exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" --max-restarts="$MAX_RESTARTS" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "$@"
