#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit + end-to-end) with ctest.
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit   or   scripts/test.sh -R Masking
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
