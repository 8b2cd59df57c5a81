#!/usr/bin/env bash
# GPU check for the GPU machine the `device` tool lends (offline, Python 3.12 with its own
# torch + CUDA, 15 minutes per session): installs the bundle `make gpu-bundle` wrote into
# .gpu_bundle/ (no network), and writes each result into the output folder as soon as it
# has it, most important first, so a run cut short still returns what it measured:
#   install   the bundle's wheels and mmcv 2.1.0 without ops into /tmp (no network);
#             mmcv's CUDA ops start building in the background for this chip only
#             (TORCH_CUDA_ARCH_LIST from the device, all cores);
#   tier 1    (no compiled ops) amp_steps.jsonl: Matrix-SSL ResNet-50 and M-MAE ViT-B/16
#             training steps under AmpOptimWrapper in bf16 and fp16, terms float32 and
#             finite, in a one-process NCCL group with SyncBN; loss_bench.txt: the
#             published formula vs ours at m = 256 ... 4096, d = 2048; step_bench.txt:
#             Matrix-SSL vs BYOL (ResNet-50) and M-MAE vs MAE (ViT-B/16), batch 128, AMP
#             bf16, images/s and peak memory;
#   tier 2    (with the ops) gpu_tests.log: the tests marked `gpu` (CUDA ops, Mask R-CNN).
# summary.md gathers the device, versions, date and each step's outcome (the rows to
# commit into benchmarks/RESULTS.md). A step that no longer fits the time budget is
# skipped and named in the summary.
#
#   bash tools/gpu_check.sh [--out DIR] [--budget SECONDS] [--cpu-dry-run]
#
# --out defaults to $OUT (set by the device tool) or work_dirs/gpu_check; --budget to 540 s
# (a device command may run 600 s). --cpu-dry-run runs the same steps at toy sizes on
# the CPU with the checkout's .venv (or the interpreter $PYTHON names; nothing installed;
# CI runs it). Without a CUDA device and without --cpu-dry-run it says so and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT_DIR="${OUT:-work_dirs/gpu_check}"
BUDGET=540
DRY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT_DIR="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --cpu-dry-run) DRY=1; shift ;;
    *) echo "gpu_check: unknown argument $1 (use --out DIR, --budget SECONDS, --cpu-dry-run)" >&2
       exit 2 ;;
  esac
done
START=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

if [ "$DRY" = 1 ]; then
  PY=${PYTHON:-.venv/bin/python}
  [ -x "$PY" ] || PY=python3
else
  PY=python3
  if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: no CUDA device visible (torch.cuda.is_available() is False): skipping."
    echo "gpu_check: run it on the lent GPU machine (docs/advanced_guides/install.md), or"
    echo "gpu_check: --cpu-dry-run for the same steps at toy sizes; tests marked 'gpu' skip here."
    exit 0
  fi
fi
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
SUMMARY="$OUT_DIR/summary.md"
note() { echo "$*" | tee -a "$SUMMARY"; }

# step NAME SECONDS_NEEDED LOG COMMAND...: run unless the budget no longer fits it
step() {
  local name="$1" needs="$2" log="$3"; shift 3
  local remaining; remaining=$(left)
  if [ "$remaining" -lt "$needs" ]; then
    note "- $name: **skipped**, ${remaining} s of the budget left, it needs about ${needs} s"
    return 0
  fi
  local begin; begin=$(date +%s)
  timeout "$remaining" "$@" > "$log" 2>&1
  local code=$?
  local took=$(( $(date +%s) - begin ))
  if [ "$code" = 0 ]; then note "- $name: ok in ${took} s ($(basename "$log"))"
  elif [ "$code" = 124 ]; then note "- $name: **cut at the budget** after ${took} s ($(basename "$log"))"
  else note "- $name: **failed** (exit $code) in ${took} s ($(basename "$log"))"; fi
}

{
  echo "# GPU check, $(date -u +%Y-%m-%d)"
  echo
  "$PY" - <<'PY'
import platform, torch
device = torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU (dry run)'
print(f'- device: {device}; torch {torch.__version__}, CUDA {torch.version.cuda}, '
      f'Python {platform.python_version()}')
PY
  echo
} > "$SUMMARY"
cat "$SUMMARY"

SITE=/tmp/mssl_site
SITE_OPS=/tmp/mssl_site_ops
if [ "$DRY" = 0 ]; then
  ls .gpu_bundle/mmcv-2.1.0.tar.gz >/dev/null 2>&1 || {
    note "- install: **failed**: no .gpu_bundle/ (run make gpu-bundle here and carry .gpu_bundle)"
    exit 1; }
  PY="$PY" step "install (bundle, mmcv without ops)" 60 "$OUT_DIR/install.log" \
    bash tools/gpu/install_bundle.sh "$SITE"
  ARCH=$("$PY" -c "import torch; print('%d.%d' % torch.cuda.get_device_capability())")
  note "- mmcv CUDA ops: building in the background for sm $ARCH ($(nproc) jobs)"
  ( rm -rf "$SITE_OPS"; mkdir -p "$SITE_OPS"
    PYTHONPATH="$SITE" MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="$ARCH" \
      MAX_JOBS="$(nproc)" "$PY" -m pip install --no-index --no-deps --no-build-isolation \
      --target "$SITE_OPS" /tmp/mmcv-src/ops && echo "mmcv ops built" ) \
    > "$OUT_DIR/mmcv_ops_build.log" 2>&1 &
  OPS_BUILD=$!
  export PYTHONPATH="$SITE:$REPO"
  AMP=(--batch 64 --steps 5)
  LOSS=(--device cuda --sizes 256x2048 1024x2048 4096x2048)
  STEP=(--imagenet --amp bf16 --batch 128 --steps 5 --rounds 3 --ranks 0 --device cuda)
else
  export PYTHONPATH="$REPO"
  AMP=(--toy --batch 8 --steps 1)
  LOSS=(--device cpu --sizes 64x128 --repeats 1 --no-memory)
  STEP=(--batch 4 --steps 1 --rounds 1 --ranks 0 --device cpu)
fi

note "tier 1 (no compiled ops):"
rm -f "$OUT_DIR/amp_steps.jsonl"
step "AMP steps bf16/fp16, NCCL + SyncBN" 90 "$OUT_DIR/amp_steps.log" \
  "$PY" tools/gpu/amp_steps.py --out "$OUT_DIR/amp_steps.jsonl" "${AMP[@]}"
step "loss_bench (published formula vs ours)" 60 "$OUT_DIR/loss_bench.txt" \
  "$PY" benchmarks/loss_bench.py "${LOSS[@]}"
step "step_bench (Matrix-SSL vs BYOL, M-MAE vs MAE)" 90 "$OUT_DIR/step_bench.txt" \
  "$PY" benchmarks/step_bench.py "${STEP[@]}"

note "tier 2 (compiled ops):"
if [ "$DRY" = 0 ]; then
  while kill -0 "$OPS_BUILD" 2>/dev/null && [ "$(left)" -gt 60 ]; do sleep 5; done
  if kill -0 "$OPS_BUILD" 2>/dev/null; then
    kill "$OPS_BUILD" 2>/dev/null
    note "- mmcv ops build: **not finished** within the budget (mmcv_ops_build.log)"
  elif grep -q "mmcv ops built" "$OUT_DIR/mmcv_ops_build.log"; then
    note "- mmcv ops build: ok"
    export PYTHONPATH="$SITE_OPS:$SITE:$REPO"
  else
    note "- mmcv ops build: **failed** (mmcv_ops_build.log)"
  fi
fi
step "tests marked gpu" 45 "$OUT_DIR/gpu_tests.log" \
  "$PY" -m pytest -m gpu tests/gpu -q -p no:cacheprovider
note ""
note "gpu_check: done in $(( $(date +%s) - START )) s; results in $OUT_DIR"
