#!/usr/bin/env bash
# A/B of the training loop on the digits demo config: mmengine's EpochBasedTrainLoop (views
# drawn from the workers' generators) against ResumableEpochBasedTrainLoop (views drawn from
# (seed, epoch, index)); same config otherwise, 3 epochs, kNN top-1 on the val split.
# Usage: bash benchmarks/loop_ab.sh OUT_DIR [SEEDS...]   (a finished run is skipped)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: loop_ab.sh OUT_DIR [SEEDS...]}; shift
SEEDS=${*:-0 1 2}
CONFIG=configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py
mkdir -p "$OUT"
for seed in $SEEDS; do
  for loop in EpochBasedTrainLoop ResumableEpochBasedTrainLoop; do
    run="$OUT/${loop}_s$seed"
    [ -f "$run/knn.json" ] && continue
    echo "== $loop seed $seed"
    # a finished training (its last checkpoint complete) is only evaluated
    .venv/bin/python -c "import sys; from mssl_plugin.engine.checkpoint_files import is_complete_checkpoint as ok; sys.exit(not ok(sys.argv[1]))" "$run/epoch_3.pth" || \
      .venv/bin/python tools/train.py "$CONFIG" --work-dir "$run" --cfg-options \
        train_cfg.type=$loop train_cfg.max_epochs=3 randomness.seed=$seed > "$run.log" 2>&1
    .venv/bin/python tools/knn_eval.py "$CONFIG" "$run/epoch_3.pth" --out "$run/knn.json"
  done
done
.venv/bin/python - "$OUT" <<'PY'
import json, pathlib, statistics, sys
rows = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob('*_s*/knn.json')):
    loop = path.parent.name.rsplit('_s', 1)[0]
    rows.setdefault(loop, []).append(round(json.loads(path.read_text())[-1]['knn_top1'], 2))
for loop, values in rows.items():
    spread = statistics.stdev(values) if len(values) > 1 else float('nan')
    print(f'{loop:32s} kNN top-1 {statistics.mean(values):.2f} +- {spread:.2f}  {values}')
PY
