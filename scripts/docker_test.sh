#!/usr/bin/env bash
# Builds the Docker image and checks it end to end on this machine, with a private Docker engine:
#   1. installs docker.io and debootstrap (Debian packages) when missing;
#   2. starts Debian's dockerd 20.10 with its own data root, exec root and unix socket under a temp
#      folder, without touching the host's networking (no iptables, no bridge);
#   3. makes the base image debian:bookworm-slim with debootstrap from the machine's own apt mirror
#      (no registry needed; the tarball is cached in $BF_DOCKER_CACHE between runs);
#   4. docker build --network=host -t bertforge . (BuildKit when the engine has it);
#   5. bertforge --version, then a tiny pipeline in a container with a mounted run directory, the
#      outputs checked on the host, then a second container that resumes with --resume auto;
#   6. prints the image size and build time, stops the engine and removes its temp folder.
# Skips (exit 0) when not root, when the mirror is unreachable or when the engine cannot be
# installed or started.
#
#   scripts/docker_test.sh               the whole check
#   scripts/docker_test.sh --base-only   only make (and cache) the base image tarball
# Environment: BF_DOCKER_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/bertforge-docker),
#   BF_DEBIAN_MIRROR (default: from /etc/apt), BF_DOCKER_DATA_ROOT (a persistent data root, so that
#   layers are reused between runs; default a temp folder), BF_DOCKER_KEEP=1 (keep the temp folder),
#   BF_DOCKER_DIST=0 (skip the two-container distributed check).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD

BASE_ONLY=0
for a in "$@"; do
  case "$a" in
    --base-only) BASE_ONLY=1 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker_test: unknown argument '$a' (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "docker_test: $*"; }
skip() { say "SKIP: $*"; exit 0; }
die() { say "FAIL: $*" >&2; exit 1; }
T0=$SECONDS

[ "$(id -u)" = 0 ] || skip "needs root (it runs its own dockerd); run it as root to check the image"
[ "$(uname -m)" = x86_64 ] || skip "written for x86_64 (got $(uname -m))"

# ---- the machine's Debian mirror and apt settings ----------------------------------------------
# The first deb822 stanza whose Suites include plain `bookworm` (the main archive), else a
# one-line `deb URI bookworm` entry, else deb.debian.org.
find_mirror() {
  local f m=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m=$(awk 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
          if ($i ~ /^Enabled:[ \t]*no/) ok = 0
        }
        if (ok && uri != "") { print uri; exit } }' "$f")
    [ -n "$m" ] && { echo "$m"; return; }
  done
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/\[[^]]*\]//' |
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }') || true
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=${BF_DEBIAN_MIRROR:-$(find_mirror)}
MIRROR=${MIRROR%/}

TMP=$(mktemp -d /tmp/bertforge-docker.XXXXXX)
DOCKERD_PID=""
KEEP=${BF_DOCKER_KEEP:-0}
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    local ids
    ids=$(dk ps -aq 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then kill -9 "$DOCKERD_PID" 2>/dev/null; fi
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  # dockerd stops the containerd it started; make sure of it (by its pid file, never by name).
  local cpid
  cpid=$(cat "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null)
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null &&
    grep -qaF "$EXEC_ROOT" "/proc/$cpid/cmdline" 2>/dev/null; then
    kill "$cpid"; sleep 1; kill -0 "$cpid" 2>/dev/null && kill -9 "$cpid"
  fi
  # Mounts the engine left behind: <exec-root>/netns/default, overlay layers, shm (deepest first).
  umount "$EXEC_ROOT/netns/default" 2>/dev/null
  awk -v t="$TMP" -v d="$DATA_ROOT" 'index($2, t) == 1 || (d != "" && index($2, d) == 1) { print $2 }' \
    /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  if [ "$KEEP" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
EXEC_ROOT=$TMP/exec
DATA_ROOT=${BF_DOCKER_DATA_ROOT:-$TMP/data}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the mirror must answer (apt inside the build needs it too) --------------------------------
if ! timeout 60 /usr/lib/apt/apt-helper download-file "$MIRROR/dists/bookworm/Release" \
  "$TMP/Release" >"$TMP/mirror.log" 2>&1; then
  skip "the Debian mirror $MIRROR does not answer ($(tail -n1 "$TMP/mirror.log"))"
fi

# ---- docker.io and debootstrap -----------------------------------------------------------------
need=()
[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >"$TMP/apt.log" 2>&1; then
    apt-get update -qq >>"$TMP/apt.log" 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$TMP/apt.log" 2>&1 ||
      skip "cannot install ${need[*]}: $(tail -n2 "$TMP/apt.log" | tr '\n' ' ')"
  fi
fi
# Debian's client (20.10) on purpose: a newer client elsewhere on PATH wants buildx for `build`.
DOCKER_BIN=/usr/bin/docker
SOCK=$TMP/docker.sock
dk() { "$DOCKER_BIN" -H "unix://$SOCK" "$@"; }
# crun NAME LOG RUN-ARGS...: runs a container to its end and writes all its output to LOG; returns
# its exit code. The output is read with `docker logs` once the container has exited: the attach
# stream of a foreground `docker run` can lose what a short-lived container printed (moby#20951).
# LOG gets stdout and stderr together; LOG.out stdout alone. A container still running after
# 600 s is killed (exit 124).
crun() {
  local name=$1 log=$2 rc
  shift 2
  dk rm -f "$name" >/dev/null 2>&1 || true
  dk run -d --log-driver json-file --name "$name" "$@" >"$log" 2>&1 || return 125
  rc=$(timeout 600 "$DOCKER_BIN" -H "unix://$SOCK" wait "$name" 2>/dev/null) || rc=124
  [[ $rc =~ ^[0-9]+$ ]] || rc=125
  dk logs "$name" >"$log" 2>&1 || true
  dk logs "$name" >"$log.out" 2>/dev/null || true
  dk rm -f "$name" >/dev/null 2>&1 || true
  return "$rc"
}

# ---- the base image tarball (cached) -----------------------------------------------------------
CACHE=${BF_DOCKER_CACHE:-${XDG_CACHE_HOME:-/var/cache}/bertforge-docker}
mkdir -p "$CACHE"
# apt sources the rootfs can use (their keyrings exist there: Debian's own), and Acquire:: settings.
SOURCE_FILES=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  keys=$(grep -ohE '(Signed-By:[[:space:]]*|signed-by=)[^] [:space:]]+' "$f" | sed -E 's/^(Signed-By:[[:space:]]*|signed-by=)//' | sort -u)
  usable=1
  for k in $keys; do case "$k" in /usr/share/keyrings/debian-archive-*) ;; *) usable=0 ;; esac; done
  [ "$usable" = 1 ] && SOURCE_FILES+=("$f")
done
ACQUIRE_FILES=()
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
  [ -f "$f" ] && grep -q 'Acquire' "$f" && ACQUIRE_FILES+=("$f")
done
KEY=$( { echo "v2 $MIRROR"; cat "${SOURCE_FILES[@]}" "${ACQUIRE_FILES[@]}" 2>/dev/null; } | sha256sum | cut -c1-12)
BASE_TAR=$CACHE/debian-bookworm-minbase-$KEY.tar
if [ ! -s "$BASE_TAR" ]; then
  say "making the base image with debootstrap from $MIRROR (once; cached in $BASE_TAR)"
  t=$SECONDS
  ROOTFS=$TMP/rootfs
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TMP/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  if ((${#SOURCE_FILES[@]})); then
    rm -f "$ROOTFS/etc/apt/sources.list"
    for f in "${SOURCE_FILES[@]}"; do
      case "$f" in
        /etc/apt/sources.list) cp "$f" "$ROOTFS/etc/apt/sources.list" ;;
        *) cp "$f" "$ROOTFS/etc/apt/sources.list.d/" ;;
      esac
    done
  fi
  for f in "${ACQUIRE_FILES[@]}"; do
    case "$f" in
      /etc/apt/apt.conf) cp "$f" "$ROOTFS/etc/apt/apt.conf" ;;
      *) cp "$f" "$ROOTFS/etc/apt/apt.conf.d/" ;;
    esac
  done
  # What the official slim image does: no package caches, no docs or translations from later installs.
  cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
EOF
  [ -d "$ROOTFS/usr/share/doc" ] || die "no rootfs at '$ROOTFS'"
  find "${ROOTFS:?}/usr/share/doc" ! -type d ! -name copyright -delete
  rm -rf "${ROOTFS:?}"/usr/share/man/* "${ROOTFS:?}"/usr/share/info/* "${ROOTFS:?}"/usr/share/locale/* \
    "${ROOTFS:?}"/usr/share/groff/* "${ROOTFS:?}"/usr/share/lintian/*
  rm -rf "${ROOTFS:?}"/var/cache/apt/* "${ROOTFS:?}"/var/lib/apt/lists/* "${ROOTFS:?}"/var/log/*.log \
    "${ROOTFS:?}"/var/log/apt/* "${ROOTFS:?}"/var/cache/debconf/*-old "${ROOTFS:?}"/tmp/* "${ROOTFS:?}"/root/.cache
  mkdir -p "$ROOTFS/var/lib/apt/lists/partial" "$ROOTFS/var/cache/apt/archives/partial"
  : >"$ROOTFS/etc/resolv.conf"  # docker provides its own
  tar --numeric-owner -C "$ROOTFS" -cf "$BASE_TAR.tmp" .
  rm -rf "${ROOTFS:?}"
  find "$CACHE" -maxdepth 1 -name 'debian-bookworm-minbase-*.tar' ! -name "${BASE_TAR##*/}" -delete
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  say "base image tarball: $(du -m "$BASE_TAR" | cut -f1) MB in $((SECONDS - t)) s"
else
  say "base image tarball: $BASE_TAR (cached)"
fi
[ "$BASE_ONLY" = 1 ] && { say "base image ready"; exit 0; }

# ---- a private Docker engine -------------------------------------------------------------------
mkdir -p "$EXEC_ROOT" "$DATA_ROOT"
# Its own (empty) daemon.json: the host's could set a log driver that `docker logs` cannot read.
echo '{}' >"$TMP/daemon.json"
dockerd --config-file "$TMP/daemon.json" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
  -H "unix://$SOCK" --pidfile "$TMP/dockerd.pid" --storage-driver overlay2 \
  --iptables=false --ip6tables=false --bridge=none --ip-forward=false --ip-masq=false \
  >"$TMP/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 60); do
  dk version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || break
  sleep 0.5
done
if ! dk version >/dev/null 2>&1; then
  tail -n 15 "$TMP/dockerd.log" >&2
  skip "dockerd does not start here (log above)"
fi
say "dockerd $(dk version -f '{{.Server.Version}}') up (pid $DOCKERD_PID, $TMP)"

# (skipped when a persistent data root already holds this tarball's image)
if [ "$(dk image inspect -f '{{index .Config.Labels "bertforge.base"}}' debian:bookworm-slim 2>/dev/null)" != "$KEY" ]; then
  dk import --change "LABEL bertforge.base=$KEY" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$BASE_TAR" debian:bookworm-slim >/dev/null
fi

# ---- build -------------------------------------------------------------------------------------
# Debian's 20.10 client runs BuildKit inside the engine (no buildx needed); fall back to the
# classic builder when the engine has no BuildKit.
BUILDKIT=1
mkdir -p "$TMP/probe"
printf 'FROM debian:bookworm-slim\nRUN true\n' >"$TMP/probe/Dockerfile"
if ! DOCKER_BUILDKIT=1 dk build -q --network=host -t bertforge-probe "$TMP/probe" >"$TMP/probe.log" 2>&1; then
  BUILDKIT=0
  say "BuildKit is not available here ($(tail -n1 "$TMP/probe.log")); using the classic builder"
fi
dk rmi -f bertforge-probe >/dev/null 2>&1 || true

say "docker build --network=host -t bertforge . (BuildKit=$BUILDKIT; compiles bertforge, several minutes)"
t=$SECONDS
PROGRESS=()
[ "$BUILDKIT" = 1 ] && PROGRESS=(--progress=plain)
if ! DOCKER_BUILDKIT=$BUILDKIT dk build --network=host "${PROGRESS[@]}" -t bertforge "$SRC" \
  >"$TMP/build.log" 2>&1; then
  tail -n 40 "$TMP/build.log" >&2
  die "docker build failed (log above)"
fi
BUILD_S=$((SECONDS - t))
SIZE_MB=$(($(dk image inspect -f '{{.Size}}' bertforge) / 1000000))
say "built in $BUILD_S s; image $SIZE_MB MB"

# ---- run ---------------------------------------------------------------------------------------
crun bertforge-test-version "$TMP/version.log" --network=none bertforge --version ||
  { cat "$TMP/version.log" >&2; die "bertforge --version failed in the container"; }
V=$(cat "$TMP/version.log.out")
say "container: $V"
[[ "$V" == bertforge* ]] || die "unexpected --version output: $V"
crun bertforge-test-user "$TMP/user.log" --network=none --entrypoint id bertforge -un ||
  { cat "$TMP/user.log" >&2; die "id -un failed in the container"; }
[ "$(cat "$TMP/user.log.out")" = bertforge ] || die "the image does not run as user bertforge"

# A tiny corpus: 150 documents (~1300 sentences), a blank line between documents. Its few words
# support a unigram vocabulary of ~115-145 pieces: vocab_size 100.
WORK=$TMP/work
mkdir -p "$WORK/data" "$WORK/runs"
awk -v docs=150 'BEGIN {
  srand(1234)
  nd = split("the a every one that this some no", det, " ")
  nn = split("cat dog farmer child king river horse bird teacher ship garden mountain village queen sailor baker window letter market forest", noun, " ")
  nv = split("saw found followed loved carried watched helped heard painted visited remembered answered called opened", verb, " ")
  np = split("in the morning|near the house|by the river|at night|across the field|with great care|before the storm|after dinner|under the bridge|during the winter", pp, "|")
  na = split("old small happy quiet brave tired young strange golden gentle clever silent", adj, " ")
  for (d = 0; d < docs; d++) {
    if (d) print ""
    n = 3 + int(rand() * 10)
    for (i = 0; i < n; i++) {
      s = det[1 + int(rand() * nd)] " " adj[1 + int(rand() * na)] " " noun[1 + int(rand() * nn)] " " \
          verb[1 + int(rand() * nv)] " " det[1 + int(rand() * nd)] " " noun[1 + int(rand() * nn)] " " \
          pp[1 + int(rand() * np)] "."
      print toupper(substr(s, 1, 1)) substr(s, 2)
    }
  }
}' >"$WORK/data/corpus.txt"

TINY=(--set run_dir=runs/x --set 'data.train_files=["data/corpus.txt"]'
  --set tokenizer.vocab_size=100 --set tokenizer.byte_fallback=false
  --set data.valid_fraction=0.1 --set data.max_seq_len=64 --set data.threads=2
  --set model.preset=tiny --set model.hidden=32 --set model.heads=2 --set model.intermediate=64
  --set model.max_position=64
  --set train.batch_size=8 --set train.lr=0.002 --set train.warmup_steps=5 --set train.log_every=5
  --set train.eval_every=20 --set train.eval_batches=4 --set train.save_every=10
  --set train.keep_last=2 --set train.threads=2)
RUN=(--network=host -u "$(id -u):$(id -g)"
  -v "$WORK/runs:/workspace/runs" -v "$WORK/data:/workspace/data:ro" bertforge)

say "pipeline in a container (20 steps)"
if ! crun bertforge-test-pipeline "$TMP/pipeline.log" "${RUN[@]}" pipeline \
  --config configs/quickstart.json "${TINY[@]}" --set train.steps=20; then
  tail -n 30 "$TMP/pipeline.log" >&2
  die "pipeline failed in the container (log above)"
fi
X=$WORK/runs/x
for p in final/DONE logs/train.jsonl logs/eval.jsonl checkpoints tokenizer data/manifest.json config.json; do
  [ -e "$X/$p" ] || { tail -n 20 "$TMP/pipeline.log" >&2; die "runs/x/$p missing on the host"; }
done
ls -d "$X"/checkpoints/step-* >/dev/null 2>&1 || die "no checkpoints/step-N on the host"
not_mine=$(find "$X" \( ! -uid "$(id -u)" -o ! -gid "$(id -g)" \) -print -quit)
[ -z "$not_mine" ] || die "files not owned by $(id -u):$(id -g): $not_mine"
last_step() { tail -n1 "$X/logs/train.jsonl" | grep -oE '"step": *[0-9]+' | grep -oE '[0-9]+$'; }
[ "$(last_step)" = 20 ] || die "train.jsonl ends at step $(last_step), expected 20"
say "pipeline ok: final/, checkpoints/, logs/ on the host, owned by $(id -u):$(id -g)"

say "a second container resumes (--resume auto, to step 30)"
if ! crun bertforge-test-resume "$TMP/resume.log" "${RUN[@]}" train \
  --config /opt/bertforge/configs/quickstart.json "${TINY[@]}" --set train.steps=30 --resume auto; then
  tail -n 30 "$TMP/resume.log" >&2
  die "train --resume auto failed in the container (log above)"
fi
grep -q "resumed from" "$TMP/resume.log" || { tail -n 20 "$TMP/resume.log" >&2; die "no 'resumed from' in the log"; }
[ "$(last_step)" = 30 ] || die "train.jsonl ends at step $(last_step) after resuming, expected 30"
steps=$(grep -oE '"step": *[0-9]+' "$X/logs/train.jsonl" | grep -oE '[0-9]+$' | tr '\n' ' ')
echo "$steps" | awk '{ for (i = 2; i <= NF; i++) if ($i <= $(i - 1)) exit 1 }' ||
  die "train.jsonl steps are not increasing after resuming: $steps"
say "resume ok: $(grep -m1 -o 'resumed from.*' "$TMP/resume.log")"

# Distributed: one container per rank on the host network, rendezvous through the env variables.
# These run as the image's own user (bertforge, uid 1000) on a host folder that uid owns.
if [ "${BF_DOCKER_DIST:-1}" = 1 ]; then
  say "2 ranks in 2 containers as the image's user (--network=host, RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT)"
  mkdir -p "$WORK/druns"
  chown 1000:1000 "$WORK/druns"
  DRUN=(-v "$WORK/druns:/workspace/runs" -v "$WORK/data:/workspace/data:ro" bertforge)
  DIST=("${TINY[@]}" --set run_dir=runs/d --set train.steps=10 --set train.threads=1
    --set train.dist_timeout_sec=120)
  for stage in tokenizer prepare; do
    crun "bertforge-test-$stage" "$TMP/dist-$stage.log" --network=host "${DRUN[@]}" "$stage" \
      --config configs/quickstart.json "${DIST[@]}" ||
      { tail -n 20 "$TMP/dist-$stage.log" >&2; die "$stage failed in the container (log above)"; }
  done
  port=$((20000 + RANDOM % 20000))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  # Both ranks detached; their state is polled, and their output read with `docker logs` at the end.
  for r in 0 1; do
    dk rm -f "bertforge-test-rank$r" >/dev/null 2>&1 || true
    dk run -d --log-driver json-file --network=host --name "bertforge-test-rank$r" \
      -e RANK=$r -e WORLD_SIZE=2 -e LOCAL_RANK=$r -e MASTER_ADDR=127.0.0.1 -e MASTER_PORT=$port \
      "${DRUN[@]}" train --config configs/quickstart.json "${DIST[@]}" >"$TMP/rank$r.log" 2>&1 ||
      { cat "$TMP/rank$r.log" >&2; die "cannot start the container of rank $r"; }
  done
  # When one rank fails, stop the other at once (it would wait out dist_timeout_sec) and show both.
  failed="" deadline=$((SECONDS + 300))
  while :; do
    running=0
    for r in 0 1; do
      state=$(dk inspect -f '{{.State.Running}} {{.State.ExitCode}}' "bertforge-test-rank$r" \
        2>/dev/null) || state="gone"
      case $state in
        true*) running=$((running + 1)) ;;
        "false 0") ;;
        *) failed=${failed:-$r} ;;
      esac
    done
    [ -n "$failed" ] || [ "$running" = 0 ] && break
    [ "$SECONDS" -lt "$deadline" ] || { failed="timeout"; break; }
    sleep 1
  done
  for r in 0 1; do
    dk kill "bertforge-test-rank$r" >/dev/null 2>&1 || true
    dk logs "bertforge-test-rank$r" >"$TMP/rank$r.log" 2>&1 || true
    dk rm -f "bertforge-test-rank$r" >/dev/null 2>&1 || true
  done
  if [ -n "$failed" ]; then
    for r in 0 1; do
      echo "---- rank $r log (last 20 lines) ----" >&2
      tail -n 20 "$TMP/rank$r.log" >&2
    done
    [ "$failed" = timeout ] && die "the ranks did not finish within 300 s (logs above)"
    die "rank $failed failed (logs above)"
  fi
  D=$WORK/druns/d
  for r in 0 1; do
    grep -q "rank $r of 2 joined" "$TMP/rank$r.log" ||
      { cat "$TMP/rank$r.log" >&2; die "no 'rank $r of 2 joined' in the log of rank $r (above)"; }
  done
  [ -e "$D/final/DONE" ] || die "the distributed run has no final/DONE"
  [ "$(tail -n1 "$D/logs/train.jsonl" | grep -oE '"step": *[0-9]+' | grep -oE '[0-9]+$')" = 10 ] ||
    die "the distributed run's train.jsonl does not end at step 10"
  not_1000=$(find "$D" ! -uid 1000 -print -quit)
  [ -z "$not_1000" ] || die "files not owned by uid 1000 (the image's user): $not_1000"
  say "distributed ok: 2 ranks, 10 steps, final/ on the host, owned by uid 1000"
fi

say "PASS (image $SIZE_MB MB, build $BUILD_S s, total $((SECONDS - T0)) s)"
