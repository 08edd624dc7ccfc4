#!/usr/bin/env bash
# The GPU check of bertforge, prepared for a machine with an NVIDIA GPU, a CUDA build of PyTorch
# (pip) and transformers, and the Debian -dev packages of scripts/setup.sh. Not yet run: no
# session has had such a machine (README "Performance", GPU). In one go:
#   1. builds bertforge against the CUDA LibTorch that pip's torch ships (build-cuda/);
#   2. runs the unit tests, then a short BERT training with train.device=cuda and bf16;
#   3. measures BERT-base (seq 128, batch 32, bf16) training throughput of bertforge and of
#      HuggingFace BertForPreTraining with eager and sdpa attention, interleaved, same machine.
#   scripts/gpu_check.sh [STEPS]     (prints a Markdown table; writes $OUT/gpu_check.md if $OUT is set)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-50}
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DBERTFORGE_BUILD_TESTS=ON >/dev/null
cmake --build build-cuda -j "$(nproc)"
(cd build-cuda && ctest -L unit -j "$(nproc)" --output-on-failure | tail -5)

RUN=runs/gpu-check
scripts/get_corpus.sh >/dev/null
BF=./build-cuda/bertforge
common=(--set run_dir=$RUN --set model.architecture=bert --set data.nsp=true
  --set train.device=cuda --set train.precision=bf16 --set data.max_seq_len=128
  --set train.batch_size=32 --set data.pad_to_max=true --set train.eval_every=0
  --set train.save_every=0 --set train.log_every=10)
$BF pipeline --config configs/quickstart.json "${common[@]}" --set train.steps=100 | tail -12
# BERT-base: the quickstart's tokenizer has 8000 pieces; HF's side gets the same vocabulary size.
vocab=$(python3 -c "import json;print(json.load(open('$RUN/config.json'))['tokenizer']['vocab_size'])")
row() { printf '| %s | %.0f |\n' "$1" "$2"; }
{
echo "| BERT-base, seq 128, batch 32, bf16 | real tokens/s |"
echo "|---|---|"
for round in 1 2; do
  $BF train --config configs/quickstart.json "${common[@]}" --set model.preset=base \
    --set model.intermediate=3072 --set train.steps="$STEPS" --overwrite >/dev/null 2>&1
  tok=$(python3 -c "import json;l=[json.loads(x) for x in open('$RUN/logs/train.jsonl')][1:];print(sum(x['tokens_per_sec'] for x in l)/len(l))")
  row "bertforge (round $round)" "$tok"
  for attn in eager sdpa; do
    hf=$(python3 scripts/bench_gpu_hf.py --attn $attn --vocab "$vocab" --steps "$STEPS" | tail -1)
    row "HF BertForPreTraining $attn (round $round)" \
      "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['tokens_per_sec'])" "$hf")"
  done
done
} | tee ${OUT:+$OUT/gpu_check.md}
