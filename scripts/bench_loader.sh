#!/usr/bin/env bash
# Throughput of the data loader alone (nothing consumes the batches), on one thread, for the mini
# setting (seq 128, batch 32): batches/s, real tokens/s and padded positions/s, for the synchronous
# loader and for the prefetching loader with one background worker.
#   scripts/bench_loader.sh                    default corpus data/corpus/general.txt if present,
#                                              else a generated one
#   CORPUS=f.txt BATCHES=5000 SEQ=128 BATCH=32 STRATEGY=whole_word NSP=0 scripts/bench_loader.sh
# The corpus is prepared (tokenizer + shards) once into $WORK (default build-bench/loader) and reused.
# Target: at least 20x the rate at which the trainer consumes batches for the mini model.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=${LOADER_BENCH:-$BUILD_DIR/tests/loader_bench}
WORK=${WORK:-build-bench/loader}
BATCHES=${BATCHES:-3000}
SEQ=${SEQ:-128}
BATCH=${BATCH:-32}
STRATEGY=${STRATEGY:-token}
NSP=${NSP:-1}
CORPUS=${CORPUS:-}
if [ -z "$CORPUS" ] && [ -s data/corpus/general.txt ]; then CORPUS=data/corpus/general.txt; fi

if [ ! -x "$BIN" ]; then
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target loader_bench
fi

args=(--work "$WORK" --batches "$BATCHES" --seq "$SEQ" --batch "$BATCH" --strategy "$STRATEGY")
if [ -n "$CORPUS" ]; then
  # One work directory per corpus, so that a prepared corpus is reused but never mixed up.
  args=(--work "$WORK/$(basename "$CORPUS" .txt)" --corpus "$CORPUS" "${args[@]:2}")
else
  args=(--work "$WORK/synthetic" "${args[@]:2}")
fi
if [ "$NSP" = 0 ]; then args+=(--no-nsp); fi
"$BIN" "${args[@]}"
