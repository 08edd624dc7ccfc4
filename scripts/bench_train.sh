#!/usr/bin/env bash
# Training throughput of bertforge (real non-padding tokens/s, positions/s, model FLOP/s; fp32 and
# bf16; batches padded to 128, to their longest example, and packed) against a plain-PyTorch
# HuggingFace-style step in its plain and tuned environments, interleaved in one run, on two
# corpora: the default one (Jane Austen, one chapter per document) and one of short documents
# (the King James Bible, two verses per document). See scripts/bench_train.py.
#   scripts/bench_train.sh [--steps N] [--rounds R] [--presets tiny,mini] [--precisions fp32,bf16]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/get_corpus.sh >/dev/null
RUN=runs/bench-train
mkdir -p $RUN
# Short documents: two verses each.
awk 'NF { print; if (++n % 2 == 0) print "" }' data/corpus/domain.txt > $RUN/short.txt
/usr/bin/python3 - "$RUN" <<'PY'
import json, sys
run = sys.argv[1]
c = json.load(open("configs/quickstart.json"))
json.dump(c, open(f"{run}/default.json", "w"))
c["data"]["train_files"] = [f"{run}/short.txt"]
json.dump(c, open(f"{run}/short.json", "w"))
PY
for corpus in default short; do
  for preset in tiny mini; do
    dir=$RUN/$corpus/$preset
    if [ "$preset" = tiny ]; then
      ./build/bertforge tokenizer --config $RUN/$corpus.json --set run_dir=$dir >/dev/null 2>&1
      ./build/bertforge prepare --config $RUN/$corpus.json --set run_dir=$dir >/dev/null 2>&1
    else  # mini shares tiny's tokenizer and prepared data
      mkdir -p $dir && rm -rf $dir/tokenizer $dir/data
      cp -r $RUN/$corpus/tiny/tokenizer $RUN/$corpus/tiny/data $dir/
    fi
  done
done
VOCAB=$(/usr/bin/python3 -c "import json;print(json.load(open('$RUN/default/tiny/config.json'))['tokenizer']['vocab_size'])")
/usr/bin/python3 scripts/bench_train.py --bin ./build/bertforge \
  --corpora default=$RUN/default.json,short=$RUN/short.json --run-dir $RUN --vocab "$VOCAB" "$@"
