#!/usr/bin/env bash
# tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS...]
# Knobs (environment): GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS;
# SIGNAL (default USR1@120): Slurm sends this signal that many seconds before the time
# limit, and PreemptionHook saves the iteration on every rank and exits with code 0;
# REQUEUE=1: the hook then requeues the job (scontrol requeue), and the requeued job resumes
# from the work dir's last checkpoint by itself (tools/train.py reads SLURM_RESTART_COUNT).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR_ARGS=()
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then WORK_DIR_ARGS=(--work-dir "$1"); shift; fi
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
SIGNAL=${SIGNAL:-USR1@120}
REQUEUE=${REQUEUE:-0}
EXTRA_OPTIONS=()
if [ "$REQUEUE" = "1" ]; then EXTRA_OPTIONS=(--cfg-options default_hooks.preemption.requeue=True); fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}

# shellcheck disable=SC2086
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 --signal="$SIGNAL" $SRUN_ARGS \
    "$PYTHON" -u "$ROOT/tools/train.py" "$CONFIG" "${WORK_DIR_ARGS[@]}" --launcher slurm \
    "$@" "${EXTRA_OPTIONS[@]}"
