#!/usr/bin/env bash
# The main job on built-in demo data (`make demo`: steps 1-4, a few minutes;
# `make demo-full`: --full, 10 pretraining epochs and step 5, about 20 minutes on a slow
# 2-core machine):
#   1. report the stack and the registered components;
#   2. write the demo digits in ImageNet layout and the small COCO-format digit set
#      (data/demo_digits, data/demo_coco; kept when present);
#   3. pretrain Matrix-SSL on CPU, 3 epochs (--full: 10) (a new work dir each run: nothing
#      is overwritten);
#   4. kNN top-1 on the val split: pretrained backbone vs its floors (the same backbone at
#      random init, and the raw pixels with no network), then the covariance spectrum /
#      effective rank of both (spectrum.png) and the loss and effective-rank curves of the
#      run (curves.png);
#   5. (--full) extract the pretrained backbone, fine-tune Mask R-CNN (R18-FPN) on the demo
#      COCO set with mmdet's own trainer, and print mmdet's COCO bbox / segm AP on its val split.
# Other arguments go to the pretraining (tools/train.py), e.g. --cfg-options randomness.seed=1
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
FULL=0
if [ "${1:-}" = "--full" ]; then FULL=1; shift; fi
if [ $FULL = 1 ]; then
  CONFIG=configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-10e_digits.py
else
  CONFIG=configs/matrix_ssl/matrix-ssl_resnet18_1xb64-coslr-3e_digits.py
fi
DET_CONFIG=configs/matrix_ssl/benchmarks/mask-rcnn_r18_fpn_1xb4-80i_demo-coco.py
RUN=work_dirs/demo/$(date +%Y%m%d_%H%M%S)

$PY tools/print_env.py
$PY tools/make_demo_data.py --out data/demo_digits --coco-out data/demo_coco
STEPS=$([ $FULL = 1 ] && echo 3 || echo 2)
echo "== 1/$STEPS Matrix-SSL pretraining on CPU -> $RUN/pretrain (full log: $RUN/pretrain.log)"
mkdir -p "$RUN"
$PY tools/train.py "$CONFIG" --work-dir "$RUN/pretrain" "$@" > "$RUN/pretrain.log" 2>&1 \
    || { tail -n 30 "$RUN/pretrain.log"; exit 1; }
# one line per epoch: the last logged iteration of each epoch, without the timing columns
awk '/Epoch\(train\)/ { match($0, /Epoch\(train\) *\[[0-9]+\]/); epoch = substr($0, RSTART, RLENGTH);
       match($0, /loss: [-0-9.e]+/); loss = substr($0, RSTART, RLENGTH);
       match($0, /erank\/projector_v1: [0-9.]+/); erank = substr($0, RSTART, RLENGTH);
       last[epoch] = "  " epoch "  " loss "  " erank; if (!(epoch in seen)) { order[++n] = epoch; seen[epoch] = 1 } }
     END { for (i = 1; i <= n; i++) print last[order[i]] }' "$RUN/pretrain.log"
CHECKPOINT="$RUN/pretrain/$(cat "$RUN/pretrain/last_checkpoint" | xargs basename)"
echo "== 2/$STEPS kNN evaluation of $CHECKPOINT"
$PY tools/knn_eval.py "$CONFIG" "$CHECKPOINT" --random-init --raw-pixels --out "$RUN/knn.json"
echo "== spectrum of the embeddings and training curves"
$PY tools/analysis/spectrum.py "$CONFIG" "$CHECKPOINT" --random-init --names "Matrix-SSL" \
    --out-dir "$RUN" 2>&1 | grep -v "task/s"
$PY tools/analysis/plot_curves.py "$RUN/pretrain" --out "$RUN/curves.png"
if [ $FULL = 0 ]; then
  echo "results: $RUN (knn.json, spectrum.png/json, curves.png); the Mask R-CNN transfer and"
  echo "10 pretraining epochs: make demo-full"
  exit 0
fi
echo "== 3/3 Mask R-CNN transfer on the demo COCO set -> $RUN/detection"
$PY tools/model_converters/extract_backbone_weights.py "$CHECKPOINT" "$RUN/backbone_r18.pth"
bash tools/benchmarks/mmdetection/dist_train.sh "$DET_CONFIG" "$RUN/backbone_r18.pth" 1 \
    --work-dir "$RUN/detection" > "$RUN/detection.log" 2>&1 \
    || { tail -n 30 "$RUN/detection.log"; exit 1; }
grep -a "Iter(train)" "$RUN/detection.log" | tail -n 3
$PY - "$RUN/detection.log" <<'PY'
import re, sys
lines = [row for row in open(sys.argv[1], errors='replace') if 'coco/bbox_mAP' in row]
if not lines:
    sys.exit('mmdet reported no COCO metrics (no detection above the score threshold?); '
             'see ' + sys.argv[1])
metrics = dict(re.findall(r'coco/(\w+): (-?[\d.]+)', lines[-1]))
print('mmdet COCO metrics on the demo val split:')
for task in ('bbox', 'segm'):
    print(f"  {task}: AP {metrics[task + '_mAP']}  AP50 {metrics[task + '_mAP_50']}  "
          f"AP75 {metrics[task + '_mAP_75']}")
PY
echo "results: $RUN (knn.json, spectrum.png/json, curves.png, detection/, detection.log)"
