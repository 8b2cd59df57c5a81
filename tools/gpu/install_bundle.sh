#!/usr/bin/env bash
# Install .gpu_bundle/ into the lent GPU machine's Python without a network (called by
# tools/gpu_check.sh): the wheels with --no-deps (the machine has the rest, checked by
# tools/gpu/check_bundle.py) and mmcv 2.1.0 from source without ops into SITE; the source
# is also unpacked, switched to -std=c++20 (as tools/install_env.sh does), into
# /tmp/mmcv-src/ops for the CUDA ops build.
#   bash tools/gpu/install_bundle.sh SITE
set -euo pipefail
cd "$(dirname "$0")/../.."
SITE="$1"
PY="${PY:-python3}"
rm -rf "$SITE" /tmp/mmcv-src && mkdir -p "$SITE" /tmp/mmcv-src
"$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" .gpu_bundle/*.whl
tar -xzf .gpu_bundle/mmcv-2.1.0.tar.gz -C /tmp/mmcv-src
sed -i 's/-std=c++17/-std=c++20/g' /tmp/mmcv-src/mmcv-2.1.0/setup.py
cp -r /tmp/mmcv-src/mmcv-2.1.0 /tmp/mmcv-src/ops
PYTHONPATH="$SITE" MMCV_WITH_OPS=0 "$PY" -m pip install -q --no-index --no-deps \
  --no-build-isolation --target "$SITE" /tmp/mmcv-src/mmcv-2.1.0
PYTHONPATH="$SITE:$(pwd)" "$PY" -c "
import mmcv, mmdet, mmengine, mmpretrain, mssl_plugin
print('installed: mmcv', mmcv.__version__, 'mmengine', mmengine.__version__, 'mmpretrain',
      mmpretrain.__version__, 'mmdet', mmdet.__version__)"
