# shellcheck shell=bash
# Sourced by scripts/setup.sh for TORCH=pip: the LibTorch inside a pip-installed `torch`.
#   torch_pip_prepare BUILD_DIR   makes BUILD_DIR/venv with torch (once; reused while it imports;
#                                 a link to a venv in ~/.cache/bertforge/torch-pip shared by clones),
#                                 checks its C++ ABI, finds the CUDA toolkit when torch has CUDA,
#                                 and sets TORCH_ARGS (CMake arguments) and TORCH_VENV
#   torch_pip_check BUILD_DIR     after the build: the executable links libtorch_cuda when torch
#                                 has CUDA
# PyPI's default torch wheel carries CUDA and NCCL (nvidia-* wheels beside it). Its CMake files ask
# for a CUDA toolkit (nvcc and headers); the CUDA runtime libraries linked are the wheels' own, the
# ones libtorch_cuda itself loads, so that one copy of each is in the process.

tp_say() { echo "setup (TORCH=pip): $*"; }
tp_die() { echo "setup (TORCH=pip): $1" >&2; exit "${2:-1}"; }

# The nvcc LibTorch's CMake files will use: CUDACXX, CUDA_HOME, PATH, /usr/local/cuda, newest
# /usr/local/cuda-*.
tp_find_nvcc() {
  local c
  for c in "${CUDACXX:-}" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" "$(command -v nvcc || true)" \
    /usr/local/cuda/bin/nvcc $(ls -d /usr/local/cuda-*/bin/nvcc 2>/dev/null | sort -V -r); do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

torch_pip_prepare() {
  local dir=$1 py=${TORCH_PYTHON:-python3} spec=${TORCH_PIP_SPEC:-torch} t info
  TORCH_VENV=$dir/venv
  mkdir -p "$dir"
  if ! "$TORCH_VENV/bin/python" -c 'import torch' >/dev/null 2>&1; then
    tp_say "making $TORCH_VENV with $($py --version 2>&1) and pip install $spec (several GB, once)"
    t=$SECONDS
    rm -rf "$TORCH_VENV"
    if [ "$spec" = system ]; then  # the torch $py already has (a machine without PyPI)
      "$py" -c 'import torch' 2>/dev/null || tp_die "TORCH_PIP_SPEC=system: $py has no torch" 2
      "$py" -m venv --system-site-packages "$TORCH_VENV" ||
        tp_die "'$py -m venv $TORCH_VENV' failed (Debian: apt-get install python3-venv)"
    else
      # One venv per (spec, Python) in the user's cache, linked from $dir/venv: a new clone (CI's)
      # reuses it instead of downloading several GB again. TORCH_PIP_SHARED=0: a venv of its own.
      local target=$TORCH_VENV
      if [ "${TORCH_PIP_SHARED:-1}" = 1 ]; then
        target=${XDG_CACHE_HOME:-$HOME/.cache}/bertforge/torch-pip/venv-$(printf '%s|%s' "$spec" \
          "$("$py" --version 2>&1)" | sha1sum | cut -c1-12)
        mkdir -p "$(dirname "$target")"
      fi
      if ! "$target/bin/python" -c 'import torch' >/dev/null 2>&1; then
        rm -rf "$target"
        "$py" -m venv "$target" ||
          tp_die "'$py -m venv $target' failed (Debian: apt-get install python3-venv)"
        # shellcheck disable=SC2086
        "$target/bin/python" -m pip install -q --progress-bar off $spec ||
          tp_die "pip install $spec failed (is PyPI reachable?)"
      else
        tp_say "reusing $target"
      fi
      [ "$target" = "$TORCH_VENV" ] || ln -s "$target" "$TORCH_VENV"
    fi
    tp_say "venv ready in $((SECONDS - t)) s"
  fi
  # version, CUDA version, C++ ABI, torch's folder
  info=$("$TORCH_VENV/bin/python" - 2>/dev/null <<'PY'
import os, torch
print(torch.__version__, torch.version.cuda or "none", int(torch._C._GLIBCXX_USE_CXX11_ABI),
      os.path.dirname(torch.__file__), torch.utils.cmake_prefix_path)
PY
) || tp_die "cannot import torch from $TORCH_VENV (remove it to reinstall)"
  read -r TORCH_PIP_VERSION TORCH_PIP_CUDA abi tdir prefix <<<"$info"
  # Debian's spdlog, fmt, sentencepiece and gtest use the new (CXX11) ABI of libstdc++; PyPI's
  # wheels do from torch 2.7 on.
  [ "$abi" = 1 ] || tp_die "torch $TORCH_PIP_VERSION uses the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0),\
 which Debian's C++ libraries do not; install torch >= 2.7 (TORCH_PIP_SPEC)" 2
  # $tdir first: TorchConfig's find_library calls would otherwise find Debian's libtorch/libc10.
  TORCH_ARGS=(-DCMAKE_PREFIX_PATH="$tdir;$prefix")
  if [ "$TORCH_PIP_CUDA" != none ]; then
    local nvcc root site cudart nvrtc
    nvcc=$(tp_find_nvcc) || tp_die "torch $TORCH_PIP_VERSION is built with CUDA $TORCH_PIP_CUDA:\
 its CMake files need the CUDA toolkit (nvcc); install it or set CUDA_HOME" 2
    root=$(dirname "$(dirname "$(readlink -f "$nvcc")")")
    site=$(dirname "$tdir")
    # The wheels' runtime libraries: nvidia/cu13/lib (CUDA 13) or nvidia/cuda_runtime/lib (12).
    cudart=$(ls "$site"/nvidia/*/lib/libcudart.so.* 2>/dev/null | head -n1 || true)
    nvrtc=$(ls "$site"/nvidia/*/lib/libnvrtc.so.* 2>/dev/null | grep -v builtins | head -n1 || true)
    TORCH_ARGS+=(-DCUDA_TOOLKIT_ROOT_DIR="$root" -DCMAKE_CUDA_COMPILER="$nvcc"
      -DTORCH_CUDA_ARCH_LIST="8.0;9.0")
    # (the cache variables of FindCUDA, FindCUDAToolkit and LibTorch's cuda.cmake)
    [ -n "$cudart" ] && TORCH_ARGS+=(-DCUDA_CUDART="$cudart" -DCUDA_CUDART_LIBRARY="$cudart"
      -DCUDA_cudart_LIBRARY="$cudart")
    [ -n "$nvrtc" ] && TORCH_ARGS+=(-DCUDA_NVRTC_LIB="$nvrtc" -DCUDA_nvrtc_LIBRARY="$nvrtc")
    tp_say "torch $TORCH_PIP_VERSION (CUDA $TORCH_PIP_CUDA), CUDA toolkit $root" \
      "($("$nvcc" --version | grep -o 'release [0-9.]*'))"
  else
    tp_say "torch $TORCH_PIP_VERSION (CPU only)"
  fi
}

torch_pip_check() {
  local bin=$1/bertforge
  [ -x "$bin" ] || return 0
  if [ "${TORCH_PIP_CUDA:-none}" != none ]; then
    readelf -d "$bin" | grep -q 'NEEDED.*libtorch_cuda' ||
      tp_die "$bin does not link libtorch_cuda although torch has CUDA"
    ldd "$bin" | grep -q 'libtorch_cuda.*=> /' || tp_die "libtorch_cuda does not resolve: $(ldd "$bin" | grep libtorch_cuda)"
  fi
  if ldd "$bin" | grep -q 'not found'; then
    tp_die "$bin: missing libraries: $(ldd "$bin" | grep 'not found' | tr -s ' \n' ' ')"
  fi
}
