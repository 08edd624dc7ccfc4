#!/usr/bin/env bash
# Measures what tokenizer.add_tokens buys on a domain corpus: tokens per word of the King James
# Bible (data/corpus/domain.txt) under a "general" WordPiece vocabulary, before and after adding
# the words `bertforge vocab-candidates` suggests.
#
# No public BERT vocabulary is at hand offline, so the general vocabulary is built here from Jane
# Austen's novels (data/corpus/general.txt), the way BERT's vocab.txt is laid out: [PAD], 99
# [unused] slots, [UNK] [CLS] [SEP] [MASK] at 100-103, every character seen and its "##" form, the
# most frequent words, and frequent word endings as "##" pieces (VOCAB entries in all).
# Words are BERT's basic tokens (uncased); tokens are what `bertforge prepare` writes.
#
# Usage: scripts/add_tokens_table.sh [--vocab N] [--add K] [--out DIR] [--bin PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
VOCAB=8000
ADD=500
OUT=runs/add_tokens
BIN=build/bertforge
while [ $# -gt 0 ]; do
  case "$1" in
    --vocab) VOCAB="$2"; shift 2 ;;
    --add) ADD="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "add_tokens_table: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "add_tokens_table: no executable at $BIN (build first, or --bin)" >&2; exit 2; }
scripts/get_corpus.sh >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT/general"

/usr/bin/python3 - "$VOCAB" "$OUT/general/vocab.txt" <<'PY'
import collections, sys
sys.path.insert(0, "tests/tokenizer")
import wordpiece_reference as ref
size, out = int(sys.argv[1]), sys.argv[2]
words = collections.Counter()
for line in open("data/corpus/general.txt", encoding="utf-8"):
    words.update(ref.basic_tokenize(line, True, True, True))
chars = sorted({c for w in words for c in w})
ends = collections.Counter()
for w, n in words.items():
    for k in (2, 3, 4):
        if len(w) > k + 2:
            ends["##" + w[-k:]] += n
vocab = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
vocab += chars + ["##" + c for c in chars]
budget = size - len(vocab)
vocab += [e for e, _ in ends.most_common(budget // 8)]
seen = set(vocab)
vocab += [w for w, _ in words.most_common() if w not in seen][: size - len(vocab)]
open(out, "w", encoding="utf-8").write("\n".join(vocab) + "\n")
PY

count_words() {
  /usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, "tests/tokenizer")
import wordpiece_reference as ref
print(sum(len(ref.basic_tokenize(l, True, True, True))
          for l in open("data/corpus/domain.txt", encoding="utf-8")))
PY
}
tokens_of() {  # $1 run dir -> tokens in its prepared shards (train + valid)
  /usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1] + "/data/manifest.json")); print(sum(s["tokens"] for s in m["splits"].values()))' "$1"
}
prepare() {  # $1 run dir, extra --set arguments
  local dir=$1; shift
  "$BIN" tokenizer --config configs/domain.json --set "run_dir=$dir" \
    --set "tokenizer.model=$OUT/general/vocab.txt" "$@" >"$dir.log" 2>&1
  "$BIN" prepare --config configs/domain.json --set "run_dir=$dir" \
    --set "tokenizer.model=$OUT/general/vocab.txt" "$@" >>"$dir.log" 2>&1
}

words=$(count_words)
prepare "$OUT/before"
before=$(tokens_of "$OUT/before")
"$BIN" vocab-candidates --checkpoint "$OUT/general/vocab.txt" --data data/corpus/domain.txt \
  --top "$ADD" >"$OUT/candidates.tsv"
tail -n +2 "$OUT/candidates.tsv" | cut -f1 >"$OUT/add_tokens.txt"
prepare "$OUT/after" --set "tokenizer.add_tokens=$OUT/add_tokens.txt"
after=$(tokens_of "$OUT/after")
/usr/bin/python3 - "$words" "$before" "$after" "$ADD" "$VOCAB" <<'PY'
import sys
words, before, after, add, vocab = map(int, sys.argv[1:])
print("| KJV (%d words) | tokens | tokens per word |" % words)
print("|---|---|---|")
print("| general WordPiece vocabulary (%d, from Austen) | %d | %.3f |" % (vocab, before, before / words))
print("| + %d words from `vocab-candidates` (`tokenizer.add_tokens`) | %d | %.3f |" %
      (add, after, after / words))
PY
