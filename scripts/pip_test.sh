#!/usr/bin/env bash
# CI's check of the build against PyPI's LibTorch (TORCH=pip, build-pip/): makes or reuses the
# venv, builds, checks that bertforge links libtorch_cuda (PyPI's default torch has CUDA), then runs
# the tests on the CPU. Skips (exit 0) with a line when PyPI cannot be reached and no venv exists.
#   scripts/pip_test.sh            the whole suite (unit + end-to-end)
#   scripts/pip_test.sh -L unit    extra arguments go to ctest (scripts/test.sh)
#   scripts/pip_test.sh --ci       what CI runs: the unit tests, then the end-to-end tests where
#                                  LibTorch 2.x differs (distributed with torchrun 2.x, multinode,
#                                  device_checkpoint); the whole suite costs ~5 more minutes
set -euo pipefail
cd "$(dirname "$0")/.."
export TORCH=pip
BUILD_DIR=${BUILD_DIR:-build-pip}
export BUILD_DIR
say() { echo "pip_test: $*"; }
T0=$SECONDS
if ! "$BUILD_DIR/venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  if ! python3 - <<'PY' >/dev/null 2>&1
import urllib.request
urllib.request.urlopen("https://pypi.org/simple/torch/", timeout=20).read(100)
PY
  then
    say "SKIP: PyPI (https://pypi.org) is not reachable and $BUILD_DIR/venv has no torch"
    exit 0
  fi
fi
t=$SECONDS
scripts/setup.sh
say "TIME venv + build $((SECONDS - t)) s"
"$BUILD_DIR/venv/bin/python" -c 'import torch; print("pip_test: torch", torch.__version__, "CUDA", torch.version.cuda, "NCCL", torch.distributed.is_nccl_available())' 2>/dev/null
readelf -d "$BUILD_DIR/bertforge" | grep -o 'libtorch[a-z_]*\.so' | tr '\n' ' ' | sed 's/^/pip_test: bertforge links: /'
echo
t=$SECONDS
if [ "${1:-}" = --ci ]; then
  scripts/test.sh -L unit
  scripts/test.sh -R '^py_(distributed|multinode|device_checkpoint)_test$'
else
  scripts/test.sh "$@"
fi
say "TIME tests $((SECONDS - t)) s; total $((SECONDS - T0)) s"
