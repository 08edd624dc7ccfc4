#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run (gcc; UB aborts). By default, what CI runs: the
# torch-free core (config, tokenizer, data readers, shards, prepare, loader) with its unit tests
# and the fuzz replay tests (every committed seed and regression input of tests/fuzz/), in
# build-asan/. With --full it also builds the torch half and the executable under the sanitizers
# and runs every unit and e2e test (about an hour on 2 cores).
#   scripts/sanitize.sh [--full] [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
FULL=0
if [ "${1:-}" = "--full" ]; then FULL=1; shift; fi
export BUILD_DIR=${BUILD_DIR:-build-asan}
export CMAKE_ARGS="-DBERTFORGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTFORGE_PCH=OFF"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if ((FULL)); then
  scripts/setup.sh
  cd "$BUILD_DIR" && exec ctest --output-on-failure -j "$(nproc)" "$@"
fi
fuzz=$(sed -n 's/^set(FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
targets="core_tests"
for t in $fuzz; do targets+=" fuzz_${t}_replay"; done
BUILD_TARGET="$targets" scripts/setup.sh
cd "$BUILD_DIR"
# core_tests and the fuzz replays: the tests that build without torch.
exec ctest --output-on-failure -j "$(nproc)" -R '^(fuzz_|[A-Z])' -E '^py_' "$@"
