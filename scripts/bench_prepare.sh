#!/usr/bin/env bash
# Throughput of `bertforge prepare` against Debian's `spm_encode` (single process) with the same
# SentencePiece model on the same corpus, measured in the same run. Target: prepare with
# data.threads=2 at least 1.7x as fast as spm_encode --output_format=id.
#   scripts/bench_prepare.sh                 default corpus (scripts/get_corpus.sh), 2 threads
#   CORPUS=f.txt THREADS=4 COPIES=2 REPEAT=5 BERTFORGE=build/bertforge scripts/bench_prepare.sh
# Each side is timed REPEAT times and the fastest run counts. The corpus is concatenated COPIES
# times (16 x 4 MB by default) so that start-up (loading the model, and the executable's own
# start-up, printed separately) does not dominate.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTFORGE:-build/bertforge}
CORPUS=${CORPUS:-data/corpus/general.txt}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
COPIES=${COPIES:-16}
VOCAB=${VOCAB:-8000}

if [ ! -x "$BIN" ]; then
  echo "bench_prepare: $BIN not found; build it first (scripts/setup.sh)" >&2
  exit 1
fi
if [ ! -f "$CORPUS" ]; then scripts/get_corpus.sh; fi
if ! command -v spm_encode >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq sentencepiece >/dev/null
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for ((i = 0; i < COPIES; i++)); do
  cat "$CORPUS"
  echo
done >"$WORK/corpus.txt"
BYTES=$(stat -c %s "$WORK/corpus.txt")
cat >"$WORK/config.json" <<JSON
{"run_dir": "$WORK/run",
 "tokenizer": {"vocab_size": $VOCAB},
 "data": {"train_files": ["$WORK/corpus.txt"], "threads": $THREADS}}
JSON
"$BIN" tokenizer --config "$WORK/config.json" 2>"$WORK/tokenizer.log" ||
  { cat "$WORK/tokenizer.log" >&2; exit 1; }
MODEL="$WORK/run/tokenizer/spm.model"

now() { date +%s.%N; }
best() { # best <seconds>... -> the smallest
  printf '%s\n' "$@" | sort -g | head -1
}

spm_times=()
prep_times=()
for ((i = 0; i < REPEAT; i++)); do
  t0=$(now)
  spm_encode --model "$MODEL" --output_format=id <"$WORK/corpus.txt" >/dev/null
  t1=$(now)
  spm_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")

  rm -rf "$WORK/run/data"
  t0=$(now)
  "$BIN" prepare --config "$WORK/config.json" 2>"$WORK/prepare.log" ||
    { cat "$WORK/prepare.log" >&2; exit 1; }
  t1=$(now)
  prep_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
done

startup=()
for ((i = 0; i < REPEAT; i++)); do
  t0=$(now)
  "$BIN" --version >/dev/null
  t1=$(now)
  startup+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
done
STARTUP=$(best "${startup[@]}")
SPM=$(best "${spm_times[@]}")
PREP=$(best "${prep_times[@]}")
python3 - "$BYTES" "$SPM" "$PREP" "$THREADS" "$STARTUP" <<'PY'
import sys
size, spm, prep, threads = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
startup = float(sys.argv[5])
mb = size / 1e6
print("corpus: %.1f MB" % mb)
print("spm_encode --output_format=id : %6.2f s  %6.2f MB/s" % (spm, mb / spm))
print("bertforge prepare (%s threads) : %6.2f s  %6.2f MB/s" % (threads, prep, mb / prep))
ratio = spm / prep
print("ratio prepare/spm_encode      : %6.2fx (target >= 1.7x with 2 threads)" % ratio)
print("(of prepare's time, %.2f s is the executable's start-up: `bertforge --version`)" % startup)
PY
echo "all runs (s): spm_encode ${spm_times[*]} | prepare ${prep_times[*]}"
grep "prepare: .* documents" "$WORK/prepare.log" | sed 's/^.*prepare: /summary: /'
