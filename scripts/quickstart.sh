#!/usr/bin/env bash
# The main job on a fresh Debian 12: installs what is missing, builds, gets the default corpus
# and runs the whole pipeline (tokenizer, prepare, train, evaluate) with configs/quickstart.json.
#   scripts/quickstart.sh                     # ~11 minutes on 2 cores once built
#   scripts/quickstart.sh --set train.steps=300   # extra arguments go to `bertforge pipeline`
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/get_corpus.sh
./build/bertforge pipeline --config configs/quickstart.json --resume auto "$@"
cat <<MSG

Next steps:
  ./build/bertforge fill-mask --checkpoint runs/quickstart/final "Elizabeth was [MASK] to see him."
  ./build/bertforge evaluate  --checkpoint runs/quickstart/final --json
  ./build/bertforge export    --checkpoint runs/quickstart/final --out runs/quickstart/hf
MSG
