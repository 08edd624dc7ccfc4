#!/usr/bin/env bash
# Does domain adaptation pay off downstream? (docs/finetuning.md, table 2) Builds the four models of
# scripts/dapt_table.sh (general: the quickstart recipe on Austen; continued: + 500 steps of MLM on
# the King James Bible; guarded: the same continuation stopped by the domain-adaptation guard; scratch
# is built too but not fine-tuned) and fine-tunes general, continued, guarded and a random-init model
# of the same shape with scripts/finetune_table.sh on a domain task (which Bible book a verse is
# from) and a general task (which Austen novel a sentence is from), N seeds each, scored on the test
# split by scripts/bow_baseline.py, beside the bag-of-words baseline.
# Usage: scripts/dapt_finetune_table.sh [--seeds N] [--lr LR] [--out DIR] [--dapt-out DIR]
#                                       [--guard-max-rise F] [--threads T]
# Both tables are printed and written to DAPT-OUT/table.md and OUT/table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=3 LR=1e-3 OUT=runs/dapt_finetune DAPT=runs/dapt GUARD=0.05 THREADS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) SEEDS="$2"; shift 2 ;;
    --lr) LR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --dapt-out) DAPT="$2"; shift 2 ;;
    --guard-max-rise) GUARD="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "dapt_finetune_table: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
scripts/dapt_table.sh --out "$DAPT" --guard-max-rise "$GUARD" --threads "$THREADS"
scripts/finetune_table.sh --out "$OUT" --seeds "$SEEDS" --lr "$LR" --threads "$THREADS" \
  --model "general=$DAPT/general/final" --model "continued=$DAPT/continued/final" \
  --model "guarded=$DAPT/guarded/final" --model random=random
