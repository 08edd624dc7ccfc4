#!/usr/bin/env bash
# Domain continuation with clm_then_mlm against mlm (docs/objectives.md): the general MLM model of
# scripts/objectives_table.sh (runs/objectives/mlm-s42/final, tiny BERT on Austen) continued on
# the domain corpus (the King James Bible) for the same steps with each objective, then both
# scored as masked LMs on held-out domain text and on the general validation split (forgetting),
# with the same masks (evaluate --set: token masking at 15%, seed 42).
#   scripts/dapt_objectives.sh [STEPS] [SEEDS...]      # default: 300 steps, seed 43
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-300}
shift || true
SEEDS=("${@:-43}")
BIN=${BIN:-./build/bertforge}
OUT=runs/objectives
GENERAL="$OUT/mlm-s42/final"  # the tiny ModernBERT trained with mlm
[ -f "$GENERAL/DONE" ] || { echo "run scripts/objectives_table.sh first ($GENERAL)" >&2; exit 2; }
scripts/get_corpus.sh >/dev/null
score() {  # $1 checkpoint, $2 data ("" = the run's own validation split)
  "$BIN" evaluate --checkpoint "$1" ${2:+--data "$2"} --json --set train.objective=mlm \
    --set data.nsp=false --set masking.probability=0.15 --set masking.strategy=token --set seed=42
}
rows=()
for seed in "${SEEDS[@]}"; do
  for objective in mlm clm_then_mlm; do
    run="$OUT/dapt-$objective-s$seed"
    cat >"$run.json" <<JSON
{"run_dir": "$run", "seed": $seed,
 "data": {"train_files": ["data/corpus/domain.txt"], "valid_fraction": 0.05, "max_seq_len": 128,
          "nsp": false},
 "masking": {"probability": 0.15},
 "train": {"steps": $STEPS, "batch_size": 32, "lr": 5e-4, "warmup_ratio": 0.06,
           "schedule": "linear", "objective": "$objective", "clm_share": 0.5, "log_every": 50,
           "eval_every": 0, "eval_batches": 40, "save_every": 0, "keep_best": false,
           "tensorboard": false}}
JSON
    [ -f "$run/final/DONE" ] || "$BIN" pipeline --config "$run.json" --init-from "$GENERAL" \
      --overwrite >"$run.log" 2>&1
    score "$run/final" "" >"$run/eval_domain.json"
    score "$run/final" "$OUT/shared/data" >"$run/eval_general.json"
    rows+=("$objective $seed $run")
  done
done
score "$GENERAL" "$OUT/dapt-mlm-s${SEEDS[0]}/data" >"$OUT/general_on_domain.json"
score "$GENERAL" "$OUT/shared/data" >"$OUT/general_on_general.json"
python3 - "$OUT" "${rows[@]}" <<'PY'
import json, sys
out = sys.argv[1]
print("| model | seed | domain mlm_loss | domain mask_accuracy | general mlm_loss | "
      "general mask_accuracy |")
print("|---|---|---|---|---|---|")
d = json.load(open(out + "/general_on_domain.json"))
g = json.load(open(out + "/general_on_general.json"))
print("| general (no continuation) | - | %.4f | %.4f | %.4f | %.4f |" % (
    d["mlm_loss"], d["mask_accuracy"], g["mlm_loss"], g["mask_accuracy"]))
for row in sys.argv[2:]:
    objective, seed, run = row.split()
    d = json.load(open(run + "/eval_domain.json"))
    g = json.load(open(run + "/eval_general.json"))
    print("| continued with %s | %s | %.4f | %.4f | %.4f | %.4f |" % (
        objective, seed, d["mlm_loss"], d["mask_accuracy"], g["mlm_loss"], g["mask_accuracy"]))
PY
