#!/usr/bin/env bash
# Compares pretraining recipes at equal wall-clock time on the default corpus and prints a markdown
# table: accuracy at [MASK] inputs, MLM loss, and the three count baselines (unigram, left
# neighbour, both neighbours) at the same masked positions.
#
# Every recipe trains from the same tokenizer and prepared data (configs/quickstart.json's, made
# once). Each gets MINUTES of training: a 60-step calibration run measures its step rate on this
# machine, then the real run takes as many steps as fit (its schedule decays to 0 at the end).
# Every model is then evaluated the same way, whatever it trained with: all validation batches,
# 15% token masking, seed 42, MLM-only 128-token examples (`evaluate --set ...`), so every row is
# scored on the very same positions and the baselines are the same for all rows.
#
# Usage: scripts/recipe_table.sh [--minutes M] [--out DIR] [--threads T] [--bin PATH] [--only N]
#   --minutes  training time per recipe (default 3)
#   --only N   run only recipe N (1-based), e.g. to try one again
# The table is also written to DIR/table.md (default runs/recipes).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=3
OUT=runs/recipes
THREADS=0
BIN=build/bertforge
ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "recipe_table: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "recipe_table: no executable at $BIN (build first, or --bin)" >&2; exit 2; }
scripts/get_corpus.sh >/dev/null

# label | --set arguments (on top of configs/quickstart.json)
OLD="model.architecture=bert data.nsp=true data.max_seq_len=128 model.dropout=0.1 model.attention_dropout=0.1 masking.probability=0.15 train.lr=3e-3 train.schedule=linear train.warmup_ratio=0.1"
CLASSIC="model.architecture=bert data.nsp=false data.max_seq_len=128 model.dropout=0 model.attention_dropout=0 masking.probability=0.15 train.lr=1e-3 train.schedule=linear train.warmup_ratio=0.05"
RECIPES=(
  "old quickstart: bert tiny, NSP, dropout 0.1, lr 3e-3, mask 15%|$OLD"
  "bert tiny, MLM only, dropout 0, lr 1e-3, mask 15%|$CLASSIC"
  "bert tiny, MLM only, dropout 0, lr 1e-3, mask 30%, wsd|$CLASSIC masking.probability=0.3 train.schedule=wsd"
  "modernbert tiny (GeGLU 384), lr 2e-3, mask 30%, wsd|model.architecture=modernbert model.intermediate=384 data.nsp=false data.max_seq_len=128 model.dropout=0 model.attention_dropout=0 masking.probability=0.3 train.lr=2e-3 train.schedule=wsd train.warmup_ratio=0.05"
  "modernbert tiny (GeGLU 384), lr 2e-3, mask 15%, wsd|model.architecture=modernbert model.intermediate=384 data.nsp=false data.max_seq_len=128 model.dropout=0 model.attention_dropout=0 masking.probability=0.15 train.lr=2e-3 train.schedule=wsd train.warmup_ratio=0.05"
)

mkdir -p "$OUT"
BASE="$OUT/base"
COMMON=(--config configs/quickstart.json --set "train.threads=$THREADS" --set train.tensorboard=false
        --set train.keep_best=false --set train.eval_every=0 --set seed=42)
if [ ! -f "$BASE/data/manifest.json" ]; then
  "$BIN" tokenizer "${COMMON[@]}" --set "run_dir=$BASE" >"$OUT/base.log" 2>&1
  "$BIN" prepare "${COMMON[@]}" --set "run_dir=$BASE" >>"$OUT/base.log" 2>&1
fi

sets() {  # "k=v k=v" -> --set k=v --set k=v
  for kv in $1; do printf -- '--set\n%s\n' "$kv"; done
}
train() {  # $1 run dir, $2 steps, $3 sets
  rm -rf "$1"
  mkdir -p "$1"
  cp -r "$BASE/tokenizer" "$BASE/data" "$1/"
  mapfile -t extra < <(sets "$3")
  "$BIN" train "${COMMON[@]}" --set "run_dir=$1" --set "train.steps=$2" --set train.log_every=20 \
    --set "train.save_every=$2" "${extra[@]}" >"$1.log" 2>&1 ||
    { echo "recipe_table: $1 failed; see $1.log" >&2; exit 1; }
}
steps_per_sec() {  # $1 run dir (60 steps logged every 20): rate between steps 20 and 60
  python3 - "$1/logs/train.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
e = {l["step"]: l["elapsed_sec"] for l in lines}
print("%.4f" % (40.0 / (e[60] - e[20])))
PY
}
evaluate() {  # $1 checkpoint -> "mask_accuracy mlm_loss unigram left bidirectional"
  "$BIN" evaluate --checkpoint "$1" --json --set masking.probability=0.15 --set data.nsp=false \
    --set data.max_seq_len=128 --set seed=42 --set train.batch_size=32 2>/dev/null |
    python3 -c 'import json, sys; m = json.load(sys.stdin); print("%.3f %.3f %.3f %.3f %.3f" % (m["mask_accuracy"], m["mlm_loss"], m["baseline_unigram"], m["baseline_left"], m["baseline_bidirectional"]))'
}

rows=()
for i in "${!RECIPES[@]}"; do
  n=$((i + 1))
  if [ "$ONLY" != 0 ] && [ "$ONLY" != "$n" ]; then continue; fi
  label="${RECIPES[$i]%%|*}" args="${RECIPES[$i]#*|}"
  train "$OUT/calib-$n" 60 "$args"
  rate=$(steps_per_sec "$OUT/calib-$n")
  steps=$(python3 -c "print(max(100, int($MINUTES * 60 * $rate)))")
  echo "recipe_table: $n. $label: $rate steps/s -> $steps steps in $MINUTES min"
  start=$SECONDS
  train "$OUT/recipe-$n" "$steps" "$args"
  took=$((SECONDS - start))
  set -- $(evaluate "$OUT/recipe-$n/final")
  rows+=("| $label | $steps | $took | $1 | $2 | $3 | $4 | $5 |")
  echo "recipe_table: $n done: at [MASK] $1, mlm_loss $2 (baselines $3 / $4 / $5)"
done
{
  echo "| recipe ($MINUTES min of training each) | steps | wall s | accuracy at [MASK] | MLM loss | baseline_unigram | baseline_left | baseline_bidirectional |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/table.md"
