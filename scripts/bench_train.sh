#!/usr/bin/env bash
# Training throughput (real non-padding tokens/s and all positions/s) and peak RSS of bertforge for
# the tiny and mini presets (seq 128, batch 32, 2 threads), against a plain-PyTorch step of the same
# model computed the way HuggingFace's BertForPreTraining does, in the same run. No environment
# variables are set for either side.   scripts/bench_train.sh [--steps N] [--presets tiny,mini]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/get_corpus.sh >/dev/null
RUN=runs/bench-train
CONFIG=configs/quickstart.json
./build/bertforge tokenizer --config $CONFIG --set run_dir=$RUN/tiny >/dev/null 2>&1
./build/bertforge prepare --config $CONFIG --set run_dir=$RUN/tiny >/dev/null 2>&1
# The mini run shares the prepared data.
mkdir -p $RUN/mini
rm -rf $RUN/mini/tokenizer $RUN/mini/data
cp -r $RUN/tiny/tokenizer $RUN/tiny/data $RUN/mini/
VOCAB=$(/usr/bin/python3 -c "import json;print(json.load(open('$RUN/tiny/config.json'))['tokenizer']['vocab_size'])")
/usr/bin/python3 scripts/bench_train.py --bin ./build/bertforge --config $CONFIG --run-dir $RUN \
  --vocab "$VOCAB" "$@"
