# bertforge in a container: a builder stage compiles it from Debian's -dev packages, the runtime
# stage carries only the runtime libraries, the executable and configs/.
#
#   docker build -t bertforge .
#   docker run --rm -u "$(id -u):$(id -g)" \
#     -v "$PWD/data:/workspace/data:ro" -v "$PWD/runs:/workspace/runs" \
#     bertforge pipeline --config configs/quickstart.json
#
# Build arguments: BASE (the Debian 12 image, default debian:bookworm-slim), JOBS (compile jobs,
# default all cores), CMAKE_ARGS (extra CMake arguments), WITH_TORCHRUN=1 (add torchrun).
ARG BASE=debian:bookworm-slim

# ---- builder ------------------------------------------------------------------------------------
FROM ${BASE} AS builder
ARG DEBIAN_FRONTEND=noninteractive
# cmake does not pull a build tool with --no-install-recommends: ninja-build is that tool.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      libtorch-dev libgloo-dev libsentencepiece-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libssl-dev \
      libpcre2-dev libicu-dev zlib1g-dev libzstd-dev \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the build reads, so edits to docs, scripts or tests keep the compiled layer cached.
COPY CMakeLists.txt ./
COPY src ./src
ARG JOBS=
ARG CMAKE_ARGS=
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBERTFORGE_BUILD_TESTS=OFF ${CMAKE_ARGS} \
 && cmake --build build --target bertforge -j "${JOBS:-$(nproc)}" \
 && cmake --install build --prefix /stage --strip \
 && /stage/bin/bertforge --version

# ---- runtime ------------------------------------------------------------------------------------
FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
# libtorch1.13 brings its own dependencies (gloo, protobuf, OpenCV, ...); libopenblas0-pthread
# becomes libblas.so.3 (without it LibTorch falls back to the ~25x slower reference BLAS).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libtorch1.13 libopenblas0-pthread libsentencepiece0 libspdlog1.10 libfmt9 libssl3 zlib1g libzstd1 \
      libpcre2-8-0 libicu72 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/*.log
# --build-arg WITH_TORCHRUN=1 adds Debian's python3-torch, for `torchrun --no_python bertforge train`
# inside the container (bertforge joins torchrun's rendezvous store).
ARG WITH_TORCHRUN=0
RUN if [ "$WITH_TORCHRUN" = 1 ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends python3-torch \
      && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/*.log; \
    fi

# bin/bertforge and lib/libbertforge_spm.so (the SentencePiece shim it dlopens from ../lib).
COPY --from=builder /stage/ /usr/local/
RUN ldconfig \
 && if ldd /usr/local/bin/bertforge /usr/local/lib/libbertforge_spm.so | grep 'not found'; then \
      echo "missing runtime libraries (above)" >&2; exit 1; fi \
 && readlink -f "$(ldconfig -p | awk '/libblas\.so\.3 /{print $NF; exit}')" | grep -q openblas \
 && bertforge --version

COPY configs /opt/bertforge/configs
# /workspace holds run directories; it is writable by any uid so that `-u "$(id -u):$(id -g)"`
# works with or without a mounted runs/. configs/ there points at the shipped configs.
RUN useradd --create-home --uid 1000 --user-group --shell /bin/bash bertforge \
 && mkdir -p /workspace/runs /workspace/data \
 && ln -s /opt/bertforge/configs /workspace/configs \
 && chown bertforge:bertforge /workspace /workspace/runs /workspace/data \
 && chmod 1777 /workspace /workspace/runs

LABEL org.opencontainers.image.title="bertforge" \
      org.opencontainers.image.description="Pretrain BERT encoders: SentencePiece tokenizer, shards, MLM+NSP LibTorch trainer"
USER bertforge
WORKDIR /workspace
VOLUME ["/workspace"]
ENTRYPOINT ["bertforge"]
CMD ["--help"]
