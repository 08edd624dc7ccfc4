#!/usr/bin/env bash
# The GPU check of bertforge: one command for a machine with an NVIDIA GPU, prepared to finish in
# about 12 minutes on 16 cores + one H100 (not yet run: no session so far had a GPU; README
# "Platforms"). Needs no network when python3 already has a CUDA torch (else PyPI for the venv).
#   1. TORCH=pip scripts/setup.sh: bertforge against the LibTorch of pip's torch (CUDA, NCCL) in
#      build-pip/, checked to link libtorch_cuda; torch.cuda.is_available() in that venv;
#   2. the unit tests (ctest -L unit; the fused attention against the math path on the CPU);
#   3. scripts/gpu_check.py: train.device=cuda against train.device=cpu step by step (fp32, both
#      architectures, padded and packed batches: the fused SDPA kernel against the CPU math), a
#      bf16 run of each architecture, a checkpoint written on the GPU resumed on the CPU and back
#      on the GPU, and with 2+ GPUs NCCL through torchrun (2 ranks == 1 rank, step by step);
#   4. BERT-base (seq 128, batch 32, bf16) real tokens/s: bertforge, then HuggingFace
#      BertForPreTraining with sdpa and eager attention (scripts/bench_gpu_hf.py), two rounds
#      interleaved, on the same machine in the same run (skipped with a line without transformers).
#   scripts/gpu_check.sh [STEPS]   (STEPS of the throughput runs, default 60; a Markdown report on
#                                   stdout and in $OUT/gpu_check.md when $OUT is set)
# Environment: TORCH_PIP_SPEC (see scripts/setup.sh; default `system` when python3 has a CUDA
#   torch), GPU_CHECK_SKIP_BUILD=1 (reuse build-pip/).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-60}
T0=$SECONDS
REPORT=$(mktemp)
say() { echo "gpu_check: $*"; echo "- $*" >>"$REPORT"; }
stage() { say "TIME $1: $((SECONDS - $2)) s"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version \
  --format=csv,noheader | sed 's/^/gpu_check: GPU /' || echo "gpu_check: no nvidia-smi"

if [ -z "${TORCH_PIP_SPEC:-}" ] && python3 -c 'import torch,sys; sys.exit(0 if torch.version.cuda else 1)' 2>/dev/null; then
  export TORCH_PIP_SPEC=system
fi
export TORCH=pip BUILD_DIR=build-pip JOBS=${JOBS:-$(nproc)}
t=$SECONDS
if [ "${GPU_CHECK_SKIP_BUILD:-0}" != 1 ]; then scripts/setup.sh; fi
VENV=$PWD/build-pip/venv
BF=$PWD/build-pip/bertforge
stage "build (TORCH=pip, ${TORCH_PIP_SPEC:-torch})" "$t"
"$VENV/bin/python" -c 'import torch; print("gpu_check: torch", torch.__version__, "CUDA", torch.version.cuda, "GPUs", torch.cuda.device_count()); assert torch.cuda.is_available(), "torch sees no GPU"'
readelf -d "$BF" | grep -q 'NEEDED.*libtorch_cuda' && say "bertforge links libtorch_cuda"

t=$SECONDS
(cd build-pip && ctest -L unit -j "$JOBS" --output-on-failure | tail -n 4)
stage "unit tests" "$t"

t=$SECONDS
PATH=$VENV/bin:$PATH python3 scripts/gpu_check.py --bin "$BF" --report "$REPORT"
stage "CUDA checks" "$t"

# ---- throughput -------------------------------------------------------------------------------
t=$SECONDS
W=$(mktemp -d)
python3 scripts/gpu_check.py --bin "$BF" --corpus-only "$W/corpus.txt"
common=(--set run_dir="$W/base" --set "data.train_files=[\"$W/corpus.txt\"]"
  --set model.architecture=bert --set data.nsp=true --set train.device=cuda
  --set train.precision=bf16 --set data.max_seq_len=128 --set train.batch_size=32
  --set data.pad_to_max=true --set train.eval_every=0 --set train.save_every=0
  --set train.log_every=10 --set tokenizer.vocab_size=8000 --set model.preset=base
  --set model.intermediate=3072 --set model.dropout=0.1 --set model.attention_dropout=0.1)
"$BF" pipeline --config configs/quickstart.json "${common[@]}" --set train.steps=10 >"$W/prep.log" 2>&1 ||
  { tail -n 20 "$W/prep.log"; exit 1; }
vocab=$(python3 -c "import json;print(json.load(open('$W/base/config.json'))['tokenizer']['vocab_size'])")
HF=1
"$VENV/bin/python" -c 'import transformers' 2>/dev/null || { HF=0; say "SKIP HF rows: no transformers in $VENV"; }
{
  echo
  echo "| BERT-base, seq 128, batch 32, bf16, vocab $vocab | real tokens/s |"
  echo "|---|---|"
  for round in 1 2; do
    "$BF" train --config "$W/base/config.json" "${common[@]}" --set train.steps="$STEPS" \
      --overwrite >"$W/train.log" 2>&1 || { tail -n 20 "$W/train.log" >&2; exit 1; }
    tok=$(python3 -c "import json;l=[json.loads(x) for x in open('$W/base/logs/train.jsonl')][1:];print(sum(x['tokens_per_sec'] for x in l)/len(l))")
    printf '| bertforge (round %s) | %.0f |\n' "$round" "$tok"
    if [ "$HF" = 1 ]; then
      for attn in sdpa eager; do
        hf=$("$VENV/bin/python" scripts/bench_gpu_hf.py --attn $attn --vocab "$vocab" --steps "$STEPS" | tail -n 1)
        printf '| HF BertForPreTraining %s (round %s) | %.0f |\n' "$attn" "$round" \
          "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['tokens_per_sec'])" "$hf")"
      done
    fi
  done
} | tee -a "$REPORT"
rm -rf "$W"
stage "throughput" "$t"
say "total $((SECONDS - T0)) s"
echo
cat "$REPORT"
[ -n "${OUT:-}" ] && cp "$REPORT" "$OUT/gpu_check.md"
rm -f "$REPORT"
