#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run (gcc; UB aborts), in build-asan/. By default,
# what CI runs (about 8 minutes on 2 cores): every unit test (the torch-free core's and the torch
# half's: models, dropout, the batch split, checkpoints, safetensors, HF weights, optimizers), the
# fuzz replay tests (every committed seed and regression input of tests/fuzz/), and the
# executable end to end in hf_import_test.py (continuing an HF BERT: safetensors and config
# reading, WordPiece, training with the batch split, fill-mask, export). The build is a unity build
# with the precompiled header at -O1 -g1, which keeps it to a few minutes. A sanitized executable
# cannot tokenize with SentencePiece (ASan refuses the RTLD_DEEPBIND that keeps its protobuf apart
# from LibTorch's: src/tokenizer/spm_library.h), so the e2e tests that train a SentencePiece
# tokenizer do not run here. With --full it builds everything and runs every test (those fail).
#   scripts/sanitize.sh [--full] [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
FULL=0
if [ "${1:-}" = "--full" ]; then FULL=1; shift; fi
export BUILD_DIR=${BUILD_DIR:-build-asan}
export CMAKE_ARGS="-DBERTFORGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1
  -DBERTFORGE_PCH=ON -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if ((FULL)); then
  scripts/setup.sh
  cd "$BUILD_DIR" && exec ctest --output-on-failure -j "$(nproc)" "$@"
fi
fuzz=$(sed -n 's/^set(FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
targets="core_tests train_tests bertforge"
for t in $fuzz; do targets+=" fuzz_${t}_replay"; done
BUILD_TARGET="$targets" scripts/setup.sh
cd "$BUILD_DIR"
# The unit tests (names start with a capital), the fuzz replays and hf_import_test.
exec ctest --output-on-failure -j "$(nproc)" -R '^(fuzz_|[A-Z]|py_hf_import_test$)' "$@"
