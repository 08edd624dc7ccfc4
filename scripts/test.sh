#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + end-to-end) with ctest.
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit   or   scripts/test.sh -R Masking
#   TORCH=pip scripts/test.sh    the same against the LibTorch of PyPI's torch (build-pip/, see
#                                scripts/setup.sh); its venv's torchrun comes first on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "${TORCH:-debian}" = pip ]; then
  BUILD_DIR=${BUILD_DIR:-build-pip}
  # the distributed test launches torchrun: the one of the torch we built against
  if [ -x "$BUILD_DIR/venv/bin/torchrun" ]; then export PATH=$PWD/$BUILD_DIR/venv/bin:$PATH; fi
fi
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
