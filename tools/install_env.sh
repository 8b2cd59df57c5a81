#!/usr/bin/env bash
# One-command, idempotent set-up of the project's virtual environment.
#
#   bash tools/install_env.sh          (or: make install)
#
# Creates .venv in the repository root and installs, in order:
#   1. setuptools>=77,<82 (keeps pkg_resources: mmcv's setup.py and mmengine's
#      `mmdet::`/`mmpretrain::` config inheritance import it), wheel, ninja;
#   2. torch==2.14.1 + torchvision==0.29.1, unless the venv already has a working
#      torch/torchvision pair (a GPU user installs their own CUDA build first);
#   3. mmcv 2.1.0 WITH its compiled ops, built once from the source distribution
#      with `-std=c++20` (torch 2.14's headers need C++20, mmcv 2.1.0 hard-codes
#      C++17) and cached as a wheel under ~/.cache/mssl_plugin, keyed by the torch
#      version, python tag and CPU/CUDA ops. pip's own wheel cache is not keyed by
#      torch, and a wheel built against another torch fails to load;
#   4. mmengine 0.10.7, mmpretrain 1.2.0, mmdet 3.3.0, pycocotools, scikit-learn,
#      this plugin (editable) and the test tools.
# Every step is skipped when it is already satisfied, so re-running takes seconds.
#
# Environment knobs:
#   MSSL_VENV        venv location (default: <repo>/.venv)
#   MSSL_PYTHON      interpreter used to create the venv (default: python3)
#   MSSL_TORCH_SPEC  torch packages to install when none works in the venv
#   MSSL_CACHE_DIR   wheel cache (default: ~/.cache/mssl_plugin)
#   FORCE_CUDA=1     build mmcv's CUDA ops (needs nvcc; automatic when a GPU is seen)
#   MAX_JOBS         parallel compile jobs for mmcv (default: nproc)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MSSL_VENV:-$REPO/.venv}"
BASE_PYTHON="${MSSL_PYTHON:-python3}"
TORCH_SPEC="${MSSL_TORCH_SPEC:-torch==2.14.1 torchvision==0.29.1}"
CACHE_DIR="${MSSL_CACHE_DIR:-$HOME/.cache/mssl_plugin}"
MMCV_VERSION=2.1.0
STACK_SPEC=(
  "mmengine==0.10.7" "mmpretrain==1.2.0" "mmdet==3.3.0"
  "pycocotools" "scikit-learn" "tensorboard"
)

log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$BASE_PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

# Fast path: nothing that decides the environment changed since the last full install
# (this script, setup.cfg, pyproject.toml, the torch spec) and the stack imports.
STAMP="$VENV/.mssl-install-stamp"
STAMP_VALUE="$(cat "$0" "$REPO/setup.cfg" "$REPO/pyproject.toml" | sha256sum | cut -d' ' -f1)-$TORCH_SPEC"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_VALUE" ] && "$PY" - <<'PY' >/dev/null 2>&1
import torch, torchvision, mmcv, mmdet, mmpretrain, pkg_resources, mssl_plugin
from mmcv.ops import nms
nms(torch.tensor([[0., 0., 1., 1.]]), torch.tensor([1.]), 0.5)
PY
then
  log "environment up to date ($VENV); delete $STAMP to force a full re-install"
  exit 0
fi
rm -f "$STAMP"

log "build tools (setuptools>=77,<82 keeps pkg_resources)"
"${PIP[@]}" install -q "setuptools>=77,<82" wheel ninja packaging

if "$PY" -c "import torch, torchvision" >/dev/null 2>&1; then
  log "keeping installed $("$PY" -c 'import torch, torchvision; print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")')"
else
  log "installing $TORCH_SPEC"
  # shellcheck disable=SC2086
  "${PIP[@]}" install $TORCH_SPEC
fi

TORCH_VERSION="$("$PY" -c 'import torch; print(torch.__version__)')"
TORCHVISION_VERSION="$("$PY" -c 'import torchvision; print(torchvision.__version__)')"
PY_TAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
if [ "${FORCE_CUDA:-0}" = "1" ] || "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
  OPS_KIND=cuda
else
  OPS_KIND=cpu
fi
WHEEL_DIR="$CACHE_DIR/mmcv-$MMCV_VERSION/torch-$TORCH_VERSION-$PY_TAG-ops-$OPS_KIND"

# Pins every later pip call so nothing silently replaces torch or our mmcv.
CONSTRAINTS="$VENV/mssl-constraints.txt"
# Public versions only: "==2.14.1" matches the installed "2.14.1+cu130", while
# "==2.14.1+cu130" would clash with a "torch<=2.14.1" cap in the machine's pip config.
cat > "$CONSTRAINTS" <<CONS
torch==${TORCH_VERSION%%+*}
torchvision==${TORCHVISION_VERSION%%+*}
mmcv==$MMCV_VERSION
setuptools>=77,<82
CONS

mmcv_ok() {
  "$PY" - <<'PY' >/dev/null 2>&1
import mmcv, torch
from mmcv.ops import nms
assert mmcv.__version__ == "2.1.0"
nms(torch.tensor([[0., 0., 1., 1.]]), torch.tensor([1.]), 0.5)
PY
}

build_mmcv_wheel() {
  local work
  work="$(mktemp -d)"
  log "building mmcv $MMCV_VERSION with compiled ops ($OPS_KIND) against torch $TORCH_VERSION (about 20 min on 2 cores, once)"
  "$PY" - "$work" "$MMCV_VERSION" <<'PY'
# Fetch the sdist straight from the package index: `pip download` would run
# mmcv's setup.py (which imports torch) in an isolated env and fail.
import hashlib, re, sys, urllib.request
work, version = sys.argv[1], sys.argv[2]
html = urllib.request.urlopen("https://pypi.org/simple/mmcv/", timeout=120).read().decode()
match = re.search(r'href="([^"]*/mmcv-%s\.tar\.gz)#sha256=([0-9a-f]+)"' % re.escape(version), html)
if match is None:
    sys.exit(f"mmcv-{version}.tar.gz not found on the package index")
url, sha256 = match.groups()
data = urllib.request.urlopen(url, timeout=600).read()
if hashlib.sha256(data).hexdigest() != sha256:
    sys.exit("mmcv sdist checksum mismatch")
open(f"{work}/mmcv-{version}.tar.gz", "wb").write(data)
PY
  tar -xzf "$work/mmcv-$MMCV_VERSION.tar.gz" -C "$work"
  local src="$work/mmcv-$MMCV_VERSION"
  sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  if grep -q -- '-std=c++17' "$src/setup.py" || ! grep -q -- '-std=c++20' "$src/setup.py"; then
    echo "could not switch mmcv's setup.py to -std=c++20" >&2
    exit 1
  fi
  (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
     "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$work/dist" .)
  mkdir -p "$WHEEL_DIR"
  # copy then rename: a half-written wheel is never visible in the cache
  local built
  built="$(ls "$work"/dist/mmcv-*.whl)"
  cp "$built" "$WHEEL_DIR/.partial"
  mv "$WHEEL_DIR/.partial" "$WHEEL_DIR/$(basename "$built")"
  rm -rf "$work"
}

if mmcv_ok; then
  log "keeping installed mmcv $MMCV_VERSION (compiled ops load)"
else
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.mmcv-build.lock"
  flock 9   # a second install waits for the first build instead of repeating it
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    build_mmcv_wheel
  else
    log "reusing cached wheel $(ls "$WHEEL_DIR"/mmcv-*.whl)"
  fi
  flock -u 9
  "${PIP[@]}" install -c "$CONSTRAINTS" --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-*.whl
fi

log "OpenMMLab stack, plugin (editable) and test tools"
"${PIP[@]}" install -q -c "$CONSTRAINTS" "${STACK_SPEC[@]}"
"${PIP[@]}" install -q -c "$CONSTRAINTS" --no-build-isolation -e "$REPO[tests]"

mmcv_ok || { echo "mmcv $MMCV_VERSION ops do not load after install" >&2; exit 1; }
"$PY" -c "import pkg_resources, mmdet, mmpretrain, mssl_plugin" \
  || { echo "the installed stack does not import" >&2; exit 1; }
echo "$STAMP_VALUE" > "$STAMP"
log "done: $("$PY" -c 'import torch, mmcv, mmengine, mmpretrain, mmdet; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, mmpretrain {mmpretrain.__version__}, mmdet {mmdet.__version__}")')"
