#!/usr/bin/env bash
# Measures domain-adaptive pretraining (DAPT, "don't stop pretraining") on real text and prints a
# markdown table:
#
#   1. general   pretrain on data/corpus/general.txt (configs/quickstart.json)
#   2. continued continue (1) on data/corpus/domain.txt for N steps (configs/domain.json --init-from)
#   3. scratch   train on the domain from random weights for the same N steps, with (1)'s tokenizer,
#                architecture, model size and recipe (configs/quickstart.json: a fair comparison,
#                same vocabulary, same shape, same data)
#   4. guarded   (2) with the domain-adaptation guard: both held-out files as named validation sets
#                (data.valid_sets general + domain, scored every 50 steps), stopped once the general
#                set's MLM loss is more than --guard-max-rise (default 0.05) above its step-0 value
#
# and evaluates all three on held-out domain text and held-out general text.
#
# Held-out text: every K-th document (default 25th) of each corpus is carved into a validation file
# that no run trains on; the runs validate on those files (data.valid_files).
#
# Fairness: every model is evaluated with the same masking and batching (`evaluate --set`:
# whole-word masking at 15%, MLM only, seed 42, 128 tokens, batch 32), so every model is scored on
# exactly the same masked positions. The from-scratch run uses the general run's recipe
# (configs/quickstart.json), which suits random initialisation; the continuation uses
# configs/domain.json's (lr 2e-4, warmup 30).
#
# Usage: scripts/dapt_table.sh [--general-steps N] [--domain-steps N] [--out DIR] [--threads T]
#                              [--holdout-every K] [--guard-max-rise F] [--bin PATH] [--fresh]
# A run whose final/ already has the requested step count is reused, so re-running only evaluates;
# --fresh deletes DIR's runs first. The table is also written to DIR/table.md.
set -euo pipefail
cd "$(dirname "$0")/.."

GENERAL_STEPS=1500
DOMAIN_STEPS=500
OUT=runs/dapt
THREADS=0
HOLDOUT_EVERY=25
GUARD_MAX_RISE=0.05
BIN=build/bertforge
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --general-steps) GENERAL_STEPS="$2"; shift 2 ;;
    --domain-steps) DOMAIN_STEPS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --holdout-every) HOLDOUT_EVERY="$2"; shift 2 ;;
    --guard-max-rise) GUARD_MAX_RISE="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "dapt_table: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "dapt_table: no executable at $BIN (build first, or --bin)" >&2; exit 2; }

scripts/get_corpus.sh
mkdir -p "$OUT/text"
if [ "$FRESH" = 1 ]; then rm -rf "$OUT/general" "$OUT/continued" "$OUT/scratch" "$OUT/guarded"; fi

# Split each corpus by document (paragraph mode: documents are separated by blank lines).
split_corpus() {  # $1 corpus, $2 name
  local train="$OUT/text/$2-train.txt" valid="$OUT/text/$2-valid.txt"
  if [ ! -s "$train" ] || [ ! -s "$valid" ] || [ "$1" -nt "$train" ]; then
    awk -v k="$HOLDOUT_EVERY" -v train="$train" -v valid="$valid" \
      'BEGIN { RS = ""; ORS = "\n\n" } { if (NR % k == 0) print > valid; else print > train }' "$1"
  fi
}
split_corpus data/corpus/general.txt general
split_corpus data/corpus/domain.txt domain

GENERAL_TRAIN="$OUT/text/general-train.txt" GENERAL_VALID="$OUT/text/general-valid.txt"
DOMAIN_TRAIN="$OUT/text/domain-train.txt" DOMAIN_VALID="$OUT/text/domain-valid.txt"

# Settings every run shares, so that evaluation masks the same positions for all three models.
COMMON=(--set seed=42 --set masking.strategy=whole_word --set data.nsp=false
        --set data.max_seq_len=128 --set train.batch_size=32 --set "train.threads=$THREADS")

json_field() {  # $1 file, $2 key: prints the value of a top-level key of a JSON object
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# Runs `bertforge pipeline` into $1 unless $1/final already holds a model of $2 steps (or of a run
# the guard stopped early, whose config asked for $2 steps).
run_pipeline() {  # $1 run dir, $2 steps, then the pipeline arguments
  local dir="$1" steps="$2"; shift 2
  if [ -f "$dir/final/state.json" ] && { [ "$(json_field "$dir/final/state.json" step)" = "$steps" ] ||
    grep -q '"stop_reason": *"over_specialisation"' "$dir/logs/eval.jsonl" 2>/dev/null; }; then
    echo "dapt_table: reusing $dir ($steps steps)"
    return
  fi
  rm -rf "$dir"
  echo "dapt_table: training $dir ($steps steps)"
  local start=$SECONDS
  "$BIN" pipeline "$@" --set "run_dir=$dir" --set "train.steps=$steps" "${COMMON[@]}" \
    >"$OUT/$(basename "$dir").log" 2>&1 ||
    { echo "dapt_table: $dir failed; see $OUT/$(basename "$dir").log" >&2; exit 1; }
  echo "dapt_table: $dir done in $((SECONDS - start)) s"
}

run_pipeline "$OUT/general" "$GENERAL_STEPS" --config configs/quickstart.json \
  --set "data.train_files=[\"$GENERAL_TRAIN\"]" --set "data.valid_files=[\"$GENERAL_VALID\"]"
run_pipeline "$OUT/continued" "$DOMAIN_STEPS" --config configs/domain.json \
  --init-from "$OUT/general/final" \
  --set "data.train_files=[\"$DOMAIN_TRAIN\"]" --set "data.valid_files=[\"$DOMAIN_VALID\"]"
run_pipeline "$OUT/guarded" "$DOMAIN_STEPS" --config configs/domain.json \
  --init-from "$OUT/general/final" \
  --set "data.train_files=[\"$DOMAIN_TRAIN\"]" --set "data.valid_files=[\"$DOMAIN_VALID\"]" \
  --set "data.valid_sets={\"general\": [\"$GENERAL_VALID\"], \"domain\": [\"$DOMAIN_VALID\"]}" \
  --set train.eval_every=50 --set train.eval_set=domain --set train.guard_set=general \
  --set "train.guard_max_rise=$GUARD_MAX_RISE"
run_pipeline "$OUT/scratch" "$DOMAIN_STEPS" --config configs/quickstart.json \
  --set "tokenizer.model=$OUT/general/tokenizer/spm.model" --set train.eval_every=250 \
  --set "data.train_files=[\"$DOMAIN_TRAIN\"]" --set "data.valid_files=[\"$DOMAIN_VALID\"]"

# Evaluate every model on both held-out files (all batches).
evaluate() {  # $1 checkpoint, $2 text file: prints "loss accuracy"
  "$BIN" evaluate --checkpoint "$1" --data "$2" --json --set masking.strategy=whole_word \
    --set masking.probability=0.15 --set data.nsp=false --set data.max_seq_len=128 --set seed=42 \
    --set train.batch_size=32 2>/dev/null |
    python3 -c 'import json, sys; m = json.load(sys.stdin); print("%.3f %.3f" % (m["mlm_loss"], m["mask_accuracy"]))'
}
row() {  # $1 label, $2 run dir
  local d g
  d=$(evaluate "$2/final" "$DOMAIN_VALID")
  g=$(evaluate "$2/final" "$GENERAL_VALID")
  set -- "$1" $d $g
  echo "| $1 | $2 | $3 | $4 | $5 |"
}
{
  echo "| model | domain valid MLM loss | domain accuracy at [MASK] | general valid MLM loss | general accuracy at [MASK] |"
  echo "|---|---|---|---|---|"
  row "general ($GENERAL_STEPS steps on general)" "$OUT/general"
  row "general + $DOMAIN_STEPS steps on domain (\`--init-from\`)" "$OUT/continued"
  guard_step=$(json_field "$OUT/guarded/final/state.json" step)
  row "general + domain with the guard (max rise $GUARD_MAX_RISE; stopped at step $guard_step)" "$OUT/guarded"
  row "from scratch on domain, $DOMAIN_STEPS steps" "$OUT/scratch"
} | tee "$OUT/table.md"
