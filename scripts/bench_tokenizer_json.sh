#!/usr/bin/env bash
# Throughput of `bertforge prepare` with a HuggingFace byte-level BPE tokenizer.json against the
# real `tokenizers` library (PyPI, in the interop venv: scripts/interop_test.sh makes it) encoding
# the same corpus lines with the same number of threads (RAYON_NUM_THREADS; encode_batch, no
# special tokens). The tokenizer is trained by the library on the corpus (RoBERTa-style:
# ByteLevel pre-tokenizer, vocab VOCAB). prepare's time includes reading, packing and writing the
# shards; the library's only encoding (the lines already in memory). Fastest of REPEAT runs.
#   scripts/bench_tokenizer_json.sh
#   CORPUS=f.txt THREADS=2 COPIES=4 REPEAT=3 VOCAB=16000 scripts/bench_tokenizer_json.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BERTFORGE:-build/bertforge}")
VENV=${INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/bertforge/interop-venv}
CORPUS=${CORPUS:-data/corpus/general.txt}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
COPIES=${COPIES:-4}
VOCAB=${VOCAB:-16000}
[ -x "$BIN" ] || { echo "bench_tokenizer_json: build $BIN first" >&2; exit 1; }
[ -f "$CORPUS" ] || scripts/get_corpus.sh
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c "import tokenizers" 2>/dev/null || "$VENV/bin/pip" install -q "tokenizers>=0.20"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for ((i = 0; i < COPIES; i++)); do cat "$CORPUS"; echo; done >"$WORK/corpus.txt"
"$VENV/bin/python" - "$WORK" "$VOCAB" <<'PY'
import sys
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, processors, trainers
work, vocab = sys.argv[1], int(sys.argv[2])
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train([work + "/corpus.txt"], trainers.BpeTrainer(
    vocab_size=vocab, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
tok.save(work + "/tokenizer.json")
PY
cat >"$WORK/config.json" <<JSON
{"run_dir": "$WORK/run", "tokenizer": {"model": "$WORK/tokenizer.json"},
 "data": {"train_files": ["$WORK/corpus.txt"], "threads": $THREADS, "valid_fraction": 0}}
JSON
"$BIN" tokenizer --config "$WORK/config.json" 2>"$WORK/tokenizer.log" ||
  { cat "$WORK/tokenizer.log" >&2; exit 1; }
now() { date +%s.%N; }
prep=()
for ((i = 0; i < REPEAT; i++)); do
  rm -rf "$WORK/run/data"
  t0=$(now)
  "$BIN" prepare --config "$WORK/config.json" 2>"$WORK/prepare.log" ||
    { cat "$WORK/prepare.log" >&2; exit 1; }
  t1=$(now)
  prep+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
done
PREP=$(printf '%s\n' "${prep[@]}" | sort -g | head -1)
RAYON_NUM_THREADS=$THREADS TOKENIZERS_PARALLELISM=true "$VENV/bin/python" - "$WORK" "$REPEAT" \
  "$PREP" "$THREADS" <<'PY'
import sys, time
import tokenizers
from tokenizers import Tokenizer
work, repeat, prep, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
tok = Tokenizer.from_file(work + "/tokenizer.json")
lines = [l for l in open(work + "/corpus.txt", encoding="utf-8").read().split("\n") if l.strip()]
size = sum(len(l.encode()) for l in lines) / 1e6
best, n = None, 0
for _ in range(repeat):
    t0 = time.perf_counter()
    enc = tok.encode_batch(lines, add_special_tokens=False)
    t = time.perf_counter() - t0
    n = sum(len(e.ids) for e in enc)
    best = t if best is None else min(best, t)
print(f"corpus: {size:.1f} MB of text, {len(lines)} lines, {n} tokens (vocab {tok.get_vocab_size()})")
print(f"tokenizers {tokenizers.__version__} encode_batch ({threads} threads): {best:6.2f} s "
      f"{size / best:6.2f} MB/s")
print(f"bertforge prepare ({threads} threads, whole stage):   {prep:6.2f} s {size / prep:6.2f} MB/s")
print(f"ratio prepare/tokenizers: {best / prep:.2f}x (target >= 1.0)")
PY
echo "prepare runs (s): ${prep[*]}"
grep "prepare: .* documents" "$WORK/prepare.log" | sed 's/^.*prepare: /summary: /' || true
