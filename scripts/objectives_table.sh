#!/usr/bin/env bash
# The pre-training objectives compared on the same corpus, tokenizer, model size and steps
# (docs/objectives.md), on the default corpus (Austen): mlm, clm and clm_then_mlm with the
# quickstart's tiny ModernBERT recipe (lr 2e-3, wsd, 30% masking), and mlm against mlm + NSP with
# a tiny BERT (ModernBERT has no NSP head). Each model is scored as a masked LM (accuracy at [MASK]
# against the count baselines) and as a causal LM (next-token accuracy against the bigram baseline)
# on the same validation split and positions (single sequences, data.nsp false, fixed masks).
#   scripts/objectives_table.sh [STEPS] [SEEDS...]      # default: 800 steps, seed 42
#   VARIANTS="mlm clm_then_mlm" scripts/objectives_table.sh 800 42 43 44   # some rows, 3 seeds
#   OUT=runs/objectives_time VARIANTS=mlm scripts/objectives_table.sh 1150 42 43 44   # runs elsewhere
# (variants: mlm clm clm_then_mlm bert_mlm bert_mlm_nsp, all by default)
# Prints a markdown table; the runs are kept in runs/objectives/.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-800}
shift || true
SEEDS=("${@:-42}")
BIN=${BIN:-./build/bertforge}
OUT=${OUT:-runs/objectives}
scripts/get_corpus.sh >/dev/null
mkdir -p "$OUT"
base_config() {  # $1 run dir, $2 objective, $3 nsp, $4 seed, $5 architecture
  local arch=${5:-modernbert} model lr=2e-3 schedule=wsd
  model='"architecture": "modernbert", "preset": "tiny", "intermediate": 384, "layer_norm_eps": 1e-5'
  if [ "$arch" = bert ]; then model='"architecture": "bert", "preset": "tiny"'; lr=1e-3; fi
  cat <<JSON
{"run_dir": "$1", "seed": $4,
 "tokenizer": {"type": "unigram", "vocab_size": 8000, "max_sentences": 300000},
 "data": {"train_files": ["data/corpus/general.txt"], "valid_fraction": 0.05,
          "max_seq_len": 128, "nsp": $3},
 "masking": {"probability": 0.3},
 "model": {$model, "dropout": 0.0, "attention_dropout": 0.0},
 "train": {"steps": $STEPS, "batch_size": 32, "lr": $lr, "warmup_ratio": 0.05,
           "schedule": "$schedule", "objective": "$2", "clm_share": 0.5, "log_every": 50,
           "eval_every": 0, "eval_batches": 40, "save_every": 0, "keep_best": false,
           "tensorboard": false}}
JSON
}
# The tokenizer and the data are prepared once (seed 42's split) and shared by every run.
shared="$OUT/shared"
if [ ! -f "$shared/data/manifest.json" ]; then
  base_config "$shared" mlm false 42 >"$OUT/shared.json"
  "$BIN" tokenizer --config "$OUT/shared.json"
  "$BIN" prepare --config "$OUT/shared.json"
fi
rows=()
for seed in "${SEEDS[@]}"; do
  for variant in ${VARIANTS:-mlm clm clm_then_mlm bert_mlm bert_mlm_nsp}; do
    objective=${variant#bert_}
    objective=${objective%_nsp}
    nsp=false arch=modernbert
    [ "$variant" = bert_mlm_nsp ] && nsp=true
    [ "${variant#bert_}" != "$variant" ] && arch=bert
    run="$OUT/$variant-s$seed"
    base_config "$run" "$objective" "$nsp" "$seed" "$arch" >"$OUT/$variant-s$seed.json"
    if [ ! -f "$run/final/DONE" ]; then
      rm -rf "$run" && mkdir -p "$run"
      cp -r "$shared/tokenizer" "$shared/data" "$run/"
      start=$(date +%s)
      "$BIN" pipeline --config "$OUT/$variant-s$seed.json" >"$run.log" 2>&1
      echo $(($(date +%s) - start)) >"$run/wall_sec"
    fi
    "$BIN" evaluate --checkpoint "$run/final" --json --set train.objective=mlm \
      --set data.nsp=false --set masking.probability=0.15 >"$run/eval_mlm.json"
    "$BIN" evaluate --checkpoint "$run/final" --json --set train.objective=clm \
      --set data.nsp=false >"$run/eval_clm.json"
    rows+=("$variant $seed $run")
  done
done
python3 - "${rows[@]}" <<'PY'
import json, sys
print("| model, objective | seed | wall s | mask_accuracy | unigram / left / bidir at [MASK] | "
      "next_token_accuracy | bigram baseline | clm_loss |")
print("|---|---|---|---|---|---|---|---|")
for row in sys.argv[1:]:
    variant, seed, run = row.split()
    m = json.load(open(run + "/eval_mlm.json"))
    c = json.load(open(run + "/eval_clm.json"))
    wall = open(run + "/wall_sec").read().strip()
    print("| %s | %s | %s | %.4f | %.4f / %.4f / %.4f | %.4f | %.4f | %.3f |" % (
        variant, seed, wall, m["mask_accuracy"], m["baseline_unigram"], m["baseline_left"],
        m["baseline_bidirectional"], c["next_token_accuracy"], c["baseline_bigram"],
        c["clm_loss"]))
PY
