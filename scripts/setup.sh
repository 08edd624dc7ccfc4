#!/usr/bin/env bash
# Installs what is missing (Debian packages only) and builds bertforge (Release).
# Idempotent and quiet when everything is already there.
#   scripts/setup.sh                      Debian's LibTorch (libtorch-dev) into build/
#   TORCH=pip scripts/setup.sh            the LibTorch inside PyPI's `torch` into build-pip/: a venv
#                                         in build-pip/venv (made once, reused), CMake pointed at
#                                         torch.utils.cmake_prefix_path, the CUDA toolkit found
#   BUILD_DIR=build-asan CMAKE_ARGS="-DBERTFORGE_SANITIZE=ON" scripts/setup.sh
# TORCH=pip settings: TORCH_PIP_SPEC (what pip installs, default `torch`; e.g. 'torch==2.15.0';
#   `system`: no download, the venv sees the torch TORCH_PYTHON already has),
#   TORCH_PYTHON (the Python that makes the venv, default python3), CUDA_HOME or CUDACXX (the CUDA
#   toolkit whose nvcc LibTorch's CMake files ask for; default /usr/local/cuda, then the newest
#   /usr/local/cuda-*), PIP_CACHE_DIR (pip's download cache).
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH=${TORCH:-debian}
case "$TORCH" in
  debian) BUILD_DIR=${BUILD_DIR:-build} ;;
  pip) BUILD_DIR=${BUILD_DIR:-build-pip} ;;
  *) echo "setup: TORCH must be debian or pip, got '$TORCH'" >&2; exit 2 ;;
esac

PACKAGES=(build-essential cmake ninja-build pkg-config ccache
  libopenblas0-pthread
  libsentencepiece-dev sentencepiece libpcre2-dev libicu-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libssl-dev libgtest-dev
  zlib1g-dev libzstd-dev
  python3 python3-numpy python3-torch)
if [ "$TORCH" = debian ]; then
  PACKAGES+=(libtorch-dev libgloo-dev)
else
  PACKAGES+=(python3-venv)
fi

# `scripts/setup.sh --packages` prints the Debian packages it would install, and stops.
if [ "${1:-}" = --packages ]; then echo "${PACKAGES[@]}"; exit 0; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

TORCH_ARGS=()
if [ "$TORCH" = pip ]; then
  # shellcheck source=scripts/torch_pip.sh
  source scripts/torch_pip.sh
  torch_pip_prepare "$BUILD_DIR"  # sets TORCH_ARGS
fi

JOBS=${JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${TORCH_ARGS[@]}" ${CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS" ${BUILD_TARGET:+--target $BUILD_TARGET}
if [ "$TORCH" = pip ]; then torch_pip_check "$BUILD_DIR"; fi
