#!/usr/bin/env bash
# GPU check for the first machine with CUDA (run by hand; CI has no GPU and takes the
# skip path):
#   1. builds mmcv 2.1.0 with its CUDA ops (FORCE_CUDA=1, own cache slot) via make install;
#   2. runs the tests marked `gpu` (tests/gpu/): mmcv CUDA ops and a Mask R-CNN forward on
#      the GPU; the digits configs trained a few iterations under AmpOptimWrapper in fp16
#      and bf16 with the matrix terms checked float32 and finite; SyncBN in a one-process
#      NCCL group;
#   3. runs benchmarks/loss_bench.py --device cuda and benchmarks/step_bench.py on the GPU
#      and appends their rows, with the device name, to benchmarks/RESULTS.md.
#
#   bash tools/gpu_check.sh            # everything
#   bash tools/gpu_check.sh --no-bench # steps 1-2 only
# Without a CUDA device it says so and exits 0 (nothing is built or written).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
BENCH=1
[ "${1:-}" = "--no-bench" ] && BENCH=0

if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo "gpu_check: no CUDA device visible (torch.cuda.is_available() is False): skipping."
  echo "gpu_check: run it again on a machine with a GPU; tests marked 'gpu' skip here too."
  exit 0
fi

echo "== 1/3 mmcv with CUDA ops (FORCE_CUDA=1)"
FORCE_CUDA=1 bash tools/install_env.sh
echo "== 2/3 tests marked gpu"
"$PY" -m pytest -m gpu tests/gpu -v -p no:cacheprovider
if [ "$BENCH" = 1 ]; then
  echo "== 3/3 GPU benchmarks -> benchmarks/RESULTS.md"
  LOG=$(mktemp)
  {
    echo
    echo "## GPU rows ($(date -u +%Y-%m-%d), $("$PY" -c 'import torch; print(torch.cuda.get_device_name())'))"
    echo
    echo '```'
    "$PY" benchmarks/loss_bench.py --device cuda --grid
    echo
    "$PY" benchmarks/step_bench.py --device cuda --steps 20 --rounds 5
    echo '```'
  } | tee "$LOG"
  cat "$LOG" >> benchmarks/RESULTS.md
  rm -f "$LOG"
fi
echo "gpu_check: done"
