#!/usr/bin/env bash
# Packing (data.pack) on a corpus of short documents: real (non-padding) tokens/s of bertforge
# packed against unpacked (padded to each batch's longest example, the default), tiny and mini
# presets, classic BERT with NSP, seq 128, batch 32, 2 threads, runs interleaved (unpacked, packed,
# unpacked, packed, ...) in one invocation. The corpus: one document per paragraph of the man pages
# in /usr/share/man (troff markup stripped), ~30 tokens each; synthetic sentences where there are
# too few man pages. Rates are over the logged windows after the first one (start-up excluded).
#   scripts/bench_pack.sh [--steps N] [--repeat R] [--presets tiny,mini]
# Not a test; the goal is >= 1.4x real tokens/s packed.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=40
REPEAT=2
PRESETS=tiny,mini
while (($#)); do
  case "$1" in
    --steps) STEPS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --presets) PRESETS=$2; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--repeat R] [--presets tiny,mini]" >&2; exit 2 ;;
  esac
done
BIN=./build/bertforge
[ -x "$BIN" ] || scripts/setup.sh >/dev/null
RUN=runs/bench-pack
CORPUS=$RUN/short_docs.txt
mkdir -p $RUN
if [ ! -s $CORPUS ]; then
  /usr/bin/python3 - "$CORPUS" <<'PY'
import glob, gzip, random, re, sys
out, docs = sys.argv[1], []
for path in sorted(glob.glob("/usr/share/man/man[1-8]/*.gz"))[:6000]:
    try:
        text = gzip.open(path, "rt", errors="replace").read()
    except OSError:
        continue
    para = []
    for line in text.splitlines() + [".PP"]:
        if line.startswith((".", "'")):  # a macro: ends the paragraph
            if para:
                docs.append(" ".join(para))
            para = []
            continue
        line = re.sub(r"\\f[BIRP]|\\f\(..|\\\(..|\\[-&e|^]|\\s[-+]?\d", " ", line)
        line = re.sub(r"\\.", "", line).strip()
        if line:
            para.append(line)
rng = random.Random(42)
words = "the a system file user reads writes each option list prints shows sets new old".split()
while len(docs) < 20000:  # too few man pages: synthetic ~30-token documents
    docs.append(" ".join(rng.choice(words) for _ in range(rng.randint(15, 30))) + ".")
with open(out, "w") as f:
    for d in docs:
        words = d.split()
        if len(words) < 4:
            continue
        # Two "sentences" per document, so that NSP has pairs within documents.
        half = len(words[:40]) // 2
        f.write(" ".join(words[:half]) + "\n" + " ".join(words[half:40]) + "\n\n")
PY
fi
COMMON=(--set run_dir=$RUN/prepared --set data.train_files="[\"$CORPUS\"]" --set data.valid_fraction=0.01
  --set tokenizer.vocab_size=8000 --set data.nsp=true --set data.max_seq_len=128
  --set model.architecture=bert --set masking.probability=0.15 --set model.layer_norm_eps=1e-12)
CONFIG=configs/quickstart.json
if [ ! -f $RUN/prepared/data/manifest.json ]; then
  echo "bench_pack: tokenizer + prepare of $(grep -c . $CORPUS) lines into $RUN/prepared (once)"
  $BIN tokenizer --config $CONFIG "${COMMON[@]}" >/dev/null 2>&1
  $BIN prepare --config $CONFIG "${COMMON[@]}" >/dev/null 2>&1
fi

# Mean real tokens/s and positions/s of one training run over its windows after the first.
measure() {  # preset pack
  local dir=$RUN/$1-$2
  rm -rf "$dir" && mkdir -p "$dir" && cp -r $RUN/prepared/tokenizer $RUN/prepared/data "$dir"/
  $BIN train --config $CONFIG "${COMMON[@]}" --set run_dir="$dir" --set model.preset="$1" \
    --set model.intermediate=$([ "$1" = tiny ] && echo 512 || echo 1024) \
    --set model.dropout=0.1 --set model.attention_dropout=0.1 --set data.pack="$2" \
    --set train.batch_size=32 --set train.threads=2 --set train.steps="$STEPS" \
    --set train.log_every=5 --set train.eval_every=0 --set train.save_every=0 \
    --set train.eval_batches=1 >/dev/null 2>&1
  /usr/bin/python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])][1:]
print(sum(l["tokens_per_sec"] for l in lines) / len(lines),
      sum(l["positions_per_sec"] for l in lines) / len(lines))' "$dir/logs/train.jsonl"
}

for preset in ${PRESETS//,/ }; do
  plain=() packed=() plain_pos=() packed_pos=()
  for ((r = 0; r < REPEAT; ++r)); do
    read -r t p < <(measure "$preset" false); plain+=("$t"); plain_pos+=("$p")
    read -r t p < <(measure "$preset" true); packed+=("$t"); packed_pos+=("$p")
  done
  /usr/bin/python3 - "$preset" "${plain[*]}" "${packed[*]}" "${plain_pos[*]}" "${packed_pos[*]}" <<'PY'
import sys
preset, *cols = sys.argv[1:]
plain, packed, plain_pos, packed_pos = ([float(x) for x in c.split()] for c in cols)
m = lambda v: sum(v) / len(v)
print(f"{preset}: unpacked {m(plain):.0f} real tokens/s ({m(plain_pos):.0f} positions/s, "
      f"{m(plain) / m(plain_pos):.0%} real) | packed {m(packed):.0f} real tokens/s "
      f"({m(packed_pos):.0f} positions/s, {m(packed) / m(packed_pos):.0%} real) | "
      f"ratio {m(packed) / m(plain):.2f}x (per pair: "
      + ", ".join(f"{b / a:.2f}x" for a, b in zip(plain, packed)) + ")", flush=True)
PY
done
