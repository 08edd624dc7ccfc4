#!/usr/bin/env bash
# Fuzzes the hostile-file readers: builds the libFuzzer targets of tests/fuzz/ with clang (ASan +
# UBSan) and runs each for SECONDS (default 60) from a scratch corpus seeded with its committed
# seeds/ and regressions/, then prints one line per target: executions, exec/s, coverage, findings.
# Exits 1 when any target found a crash, leak, timeout or out-of-memory input; the input is in
# $FUZZ_BUILD_DIR/fuzz-findings/<target>/ and the report in $FUZZ_BUILD_DIR/fuzz-logs/<target>.log
# (fix the reader, then keep the input as tests/fuzz/<target>/regressions/<name>).
#   scripts/fuzz.sh [SECONDS]
#   FUZZ_BUILD_DIR=build-fuzz  FUZZ_TARGETS="shard config"  FUZZ_JOBS=1  FUZZ_RSS_MB=2048
#   FUZZ_SKIP_BUILD=1  (the targets are built already, e.g. under a lock shared with other builds:
#                       flock /tmp/build.lock cmake --build build-fuzz --target fuzz_shard ...)
# Installs what is missing (Debian packages only), like scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-60}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
TARGETS=${FUZZ_TARGETS:-"safetensors_header hf_config shard manifest config tensorboard tokenizer_json byte_stream csv labelled spm_proto precompiled_charsmap"}
JOBS=${FUZZ_JOBS:-$(nproc)}
RSS_MB=${FUZZ_RSS_MB:-2048}

PACKAGES=(build-essential cmake ninja-build pkg-config ccache clang libclang-rt-14-dev
  libtorch-dev libsentencepiece-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libgtest-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fuzz: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBERTFORGE_FUZZ=ON -DBERTFORGE_BUILD_TESTS=ON -DBERTFORGE_PCH=OFF >/dev/null
fi
build_targets=()
for t in $TARGETS; do build_targets+=("fuzz_$t"); done
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${build_targets[@]}"
fi

found=0
summary=()
for t in $TARGETS; do
  corpus="$BUILD_DIR/fuzz-corpus/$t" findings="$BUILD_DIR/fuzz-findings/$t"
  log="$BUILD_DIR/fuzz-logs/$t.log"
  rm -rf "$corpus" "$findings"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  for d in seeds regressions; do
    if [ -d "tests/fuzz/$t/$d" ]; then cp "tests/fuzz/$t/$d"/* "$corpus"/ 2>/dev/null || true; fi
  done
  echo "fuzz: $t for ${SECS}s ($log)"
  rc=0
  "$BUILD_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECS" -rss_limit_mb="$RSS_MB" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  n=$(find "$findings" -type f | wc -l)
  if [ "$rc" != 0 ] && [ "$n" = 0 ]; then n=1; fi  # died without writing an input (see the log)
  if [ "$n" != 0 ]; then found=1; fi
  summary+=("$(printf '%-20s %5ss %12s execs %8s exec/s  cov %6s  ft %6s  findings %s' \
    "$t" "$SECS" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$n")")
done
echo
printf '%s\n' "${summary[@]}"
if [ "$found" != 0 ]; then
  echo "fuzz: findings: see $BUILD_DIR/fuzz-findings/ and $BUILD_DIR/fuzz-logs/"
  exit 1
fi
