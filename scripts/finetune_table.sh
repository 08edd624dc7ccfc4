#!/usr/bin/env bash
# Measures what pretraining buys downstream and prints a markdown table (README "Fine-tuning"):
# on two classification tasks built from the text Debian packages ship (scripts/
# make_finetune_tasks.py: which Bible book a verse is from, 6 books; which Austen novel a sentence
# is from, 6 novels; fixed splits by chapter), it compares
#
#   pretrained    the quickstart model (runs/quickstart/final: configs/quickstart.json), fine-tuned
#   random init   the same architecture and tokenizer from random weights, fine-tuned alike
#   bag-of-words  a logistic regression on word counts (scripts/bow_baseline.py, numpy only)
#
# Fine-tuning: `bertforge finetune --seeds N` (the GLUE recipe's schedule, finetune.* defaults but
# for lr and epochs below), best epoch picked on the validation split, scored on the test split
# from `bertforge predict` output by bow_baseline.py (not by bertforge). Mean +- sample standard
# deviation over the seeds.
#
# Usage: scripts/finetune_table.sh [--seeds N] [--epochs E] [--lr LR] [--out DIR] [--threads T]
#                                  [--pretrained PATH] [--model NAME=PATH ...] [--bin PATH]
# Without --pretrained and without runs/quickstart/final, the quickstart model is pretrained first
# (~7 minutes on 2 cores). --model (repeatable) replaces the two rows "pretrained" and "random"
# with the named checkpoints (NAME=random: random init, the first checkpoint's shape and
# tokenizer), e.g. --model general=runs/dapt/general/final --model continued=runs/x/final
# (scripts/dapt_finetune_table.sh). The table is also written to DIR/table.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=3
EPOCHS=3
LR=1e-3
OUT=runs/finetune_table
THREADS=0
PRETRAINED=runs/quickstart/final
BIN=build/bertforge
PY=/usr/bin/python3  # Debian's, with numpy (scripts/setup.sh installs python3-numpy)
MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) SEEDS="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --lr) LR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --pretrained) PRETRAINED="$2"; shift 2 ;;
    --model) MODELS+=("$2"); shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "finetune_table: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "finetune_table: no executable at $BIN (build first, or --bin)" >&2; exit 2; }

scripts/get_corpus.sh
mkdir -p "$OUT/src"
if [ ${#MODELS[@]} -eq 0 ]; then MODELS=("pretrained=$PRETRAINED" random=random); fi
for m in "${MODELS[@]}"; do  # the random-init rows take the first checkpoint's shape
  path=${m#*=}
  if [ "$path" != random ]; then PRETRAINED=$path; break; fi
done
if [ ! -f "$PRETRAINED/DONE" ]; then
  [ "$PRETRAINED" = runs/quickstart/final ] ||
    { echo "finetune_table: $PRETRAINED is not a complete checkpoint" >&2; exit 2; }
  "$BIN" pipeline --config configs/quickstart.json --resume auto --set train.threads="$THREADS"
fi

# The tasks' raw text: the Bible as `bible` prints it; Austen's novels from r-cran-janeaustenr.
if [ ! -s "$OUT/src/kjv.txt" ]; then bible -l 100000 "Gen1:1-Rev22:21" >"$OUT/src/kjv.txt"; fi
RDATA=/usr/lib/R/site-library/janeaustenr/data
if [ ! -f "$RDATA/Rdata.rdb" ]; then
  if [ ! -d "$OUT/src/janeaustenr" ]; then
    (cd "$OUT/src" && apt-get download -qq r-cran-janeaustenr)
    dpkg-deb -x "$OUT"/src/r-cran-janeaustenr_*.deb "$OUT/src/janeaustenr"
  fi
  RDATA="$OUT/src/janeaustenr$RDATA"
fi
python3 scripts/make_finetune_tasks.py bible "$OUT/src/kjv.txt" "$OUT/bible"
python3 scripts/make_finetune_tasks.py austen "$RDATA" "$OUT/austen"

# The random-init config: the quickstart model section, its tokenizer, fresh weights.
python3 - "$PRETRAINED" "$OUT/random.json" <<'PY'
import json, sys
model = json.load(open(sys.argv[1] + "/config.json"))["model"]
json.dump({"model": model, "data": {"nsp": False, "max_seq_len": min(128, model["max_position"])},
           "tokenizer": {"model": sys.argv[1] + "/tokenizer.model"}}, open(sys.argv[2], "w"))
PY
echo '{}' >"$OUT/checkpoint.json"

mean_sd() {  # reads numbers, prints "mean +- sd"
  python3 -c 'import sys, statistics as s; v = [float(x) for x in sys.stdin.read().split()]
print("%.3f +- %.3f" % (s.mean(v), s.stdev(v) if len(v) > 1 else 0.0))'
}

ROWS=""
for task in bible austen; do
  d="$OUT/$task"
  for m in "${MODELS[@]}"; do
    init=${m%%=*} path=${m#*=}
    run="$d/$init" config="$OUT/random.json" from=()
    [ "$path" != random ] && config="$OUT/checkpoint.json" from=(--init-from "$path")
    start=$(date +%s)
    "$BIN" finetune --config "$config" "${from[@]}" --seeds "$SEEDS" --overwrite \
      --set run_dir="$run" --set finetune.train_file="$d/train.jsonl" \
      --set finetune.valid_file="$d/valid.jsonl" --set finetune.epochs="$EPOCHS" \
      --set finetune.lr="$LR" --set finetune.max_seq_len=64 --set train.threads="$THREADS" \
      --set train.tensorboard=false --set train.save_every=0 >"$run.log" 2>&1 ||
      { tail -5 "$run.log"; exit 1; }
    secs=$(( $(date +%s) - start ))
    acc="" f1=""
    for s in "$run"/seed-*; do
      "$BIN" predict --checkpoint "$s" --data "$d/test.jsonl" --out "$s/test_predictions.jsonl" 2>/dev/null
      score=$("$PY" scripts/bow_baseline.py score "$s/test_predictions.jsonl" "$d/test.jsonl")
      acc+=" $(echo "$score" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')"
      f1+=" $(echo "$score" | python3 -c 'import json,sys; print(json.load(sys.stdin)["macro_f1"])')"
    done
    ROWS+="| $task | $init | $(echo "$acc" | mean_sd) | $(echo "$f1" | mean_sd) | $SEEDS | ${secs} s |"$'\n'
  done
  bow=$("$PY" scripts/bow_baseline.py fit "$d/train.jsonl" "$d/valid.jsonl" "$d/test.jsonl")
  ROWS+="| $task | bag-of-words | $(echo "$bow" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f | %.3f" % (d["accuracy"], d["macro_f1"]))') | - | - |"$'\n'
done

TABLE="| task | model | test accuracy | test macro-F1 | seeds | fine-tuning time |
|---|---|---|---|---|---|
$ROWS"
echo "$TABLE" | tee "$OUT/table.md"
