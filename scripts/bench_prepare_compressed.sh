#!/usr/bin/env bash
# `bertforge prepare` on the same corpus as plain text, gzip and zstd: MB/s of (uncompressed) text
# and peak resident memory, each input measured REPEAT times (the fastest run and its peak RSS
# count). The corpus is the default one (scripts/get_corpus.sh) repeated COPIES times (~300 MB);
# the tokenizer is trained once on a single copy. gzip -6 and zstd -3 (their defaults) compress it.
#   scripts/bench_prepare_compressed.sh
#   CORPUS=f.txt COPIES=40 THREADS=2 REPEAT=1 BERTFORGE=build/bertforge scripts/bench_prepare_compressed.sh
# Prints a Markdown table (README "Performance": compressed corpora). Needs gzip and zstd.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTFORGE:-build/bertforge}
CORPUS=${CORPUS:-data/corpus/general.txt}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-1}
COPIES=${COPIES:-70}
VOCAB=${VOCAB:-8000}
WORK=${WORK:-$(mktemp -d)}

if [ ! -x "$BIN" ]; then
  echo "bench_prepare_compressed: $BIN not found; build it first (scripts/setup.sh)" >&2
  exit 1
fi
if [ ! -f "$CORPUS" ]; then scripts/get_corpus.sh; fi
for tool in gzip zstd; do
  if ! command -v $tool >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $tool >/dev/null
  fi
done
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

for ((i = 0; i < COPIES; i++)); do
  cat "$CORPUS"
  echo
done >"$WORK/corpus.txt"
gzip -6 -c "$WORK/corpus.txt" >"$WORK/corpus.txt.gz"
zstd -q -3 -c "$WORK/corpus.txt" >"$WORK/corpus.txt.zst"
TEXT_BYTES=$(stat -c %s "$WORK/corpus.txt")

config() { # config <name> <file>
  cat >"$WORK/$1.json" <<JSON
{"run_dir": "$WORK/run",
 "tokenizer": {"vocab_size": $VOCAB},
 "data": {"train_files": ["$2"], "threads": $THREADS}}
JSON
}
config tok "$CORPUS"
"$BIN" tokenizer --config "$WORK/tok.json" 2>"$WORK/tokenizer.log" ||
  { cat "$WORK/tokenizer.log" >&2; exit 1; }

echo "| input | file size | prepare | text MB/s | peak RSS |"
echo "|---|---|---|---|---|"
for kind in txt txt.gz txt.zst; do
  file="$WORK/corpus.$kind"
  config "$kind" "$file"
  best_s="" best_rss=""
  for ((i = 0; i < REPEAT; i++)); do
    rm -rf "$WORK/run/data"
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" prepare --config "$WORK/$kind.json" \
      2>"$WORK/prepare.log" || { cat "$WORK/prepare.log" >&2; exit 1; }
    read -r s rss <"$WORK/time"
    if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
      best_s=$s best_rss=$rss
    fi
  done
  python3 - "$kind" "$(stat -c %s "$file")" "$TEXT_BYTES" "$best_s" "$best_rss" <<'PY'
import sys
kind, size, text, secs, rss_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print("| %s | %.0f MB | %.1f s | %.1f | %.0f MiB |" % (kind, size / 1e6, secs, text / 1e6 / secs, rss_kb / 1024))
PY
done
echo
echo "text: $((TEXT_BYTES / 1000000)) MB ($COPIES x $CORPUS), $THREADS prepare thread(s), best of $REPEAT"
grep "prepare: .* documents" "$WORK/prepare.log" | sed 's/^.*prepare: /last summary: /'
