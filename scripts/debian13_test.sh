#!/usr/bin/env bash
# Checks bertforge on a fresh Debian 13 (trixie: LibTorch 2.6, GCC 14) in a throwaway root:
#   1. makes a minimal trixie root with debootstrap from Debian's archive (the tarball is cached in
#      $BF_DEBIAN13_CACHE; no registry, no Docker needed);
#   2. unpacks it into a temp folder and enters it with chroot inside its own mount namespace
#      (unshare), so that /proc, /dev, /sys and the cache mounts vanish with it;
#   3. copies the source tree in (tracked and untracked, not ignored files) and runs, as root
#      there, scripts/test.sh (which runs scripts/setup.sh: apt-get installs the -dev packages,
#      builds, runs every unit and end-to-end test), then a short scripts/quickstart.sh;
#   4. prints the time of each stage and removes the root.
# Skips (exit 0) when not root, when the archive is unreachable or debootstrap cannot be installed.
#
#   scripts/debian13_test.sh                   the whole check
#   scripts/debian13_test.sh -R distributed    extra arguments go to ctest (scripts/test.sh)
#   scripts/debian13_test.sh --prepare         only make the base tarball and download the .deb
#                                              files setup.sh will install (cached; no build)
# Environment: BF_DEBIAN13_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/bertforge-debian13: the
#   base tarball, apt's .deb files and a ccache for the chroot), BF_DEBIAN_MIRROR (default
#   http://deb.debian.org/debian), BF_DEBIAN13_QUICKSTART_STEPS (default 30; 0 skips the
#   quickstart), BF_DEBIAN13_KEEP=1 (keep the root), JOBS (build jobs, default all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
say() { echo "debian13_test: $*"; }
skip() { say "SKIP: $*"; exit 0; }
die() { say "FAIL: $*" >&2; exit 1; }
T0=$SECONDS

PREPARE=0
if [ "${1:-}" = --prepare ]; then PREPARE=1; shift; fi
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mounts)"
[ "$(uname -m)" = x86_64 ] || skip "written for x86_64 (got $(uname -m))"
MIRROR=${BF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
SECURITY=${BF_DEBIAN_SECURITY:-${MIRROR%/debian}/debian-security}
CACHE=${BF_DEBIAN13_CACHE:-${XDG_CACHE_HOME:-/var/cache}/bertforge-debian13}
STEPS=${BF_DEBIAN13_QUICKSTART_STEPS:-30}
mkdir -p "$CACHE/archives/partial" "$CACHE/ccache"
TMP=$(mktemp -d /tmp/bertforge-debian13.XXXXXX)
cleanup() {
  local rc=$?
  # the mounts live in the namespace of the unshare'd shell: nothing is left mounted here
  if [ "${BF_DEBIAN13_KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf --one-file-system "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! timeout 60 /usr/lib/apt/apt-helper download-file "$MIRROR/dists/trixie/Release" \
  "$TMP/Release" >"$TMP/mirror.log" 2>&1; then
  skip "the Debian archive $MIRROR does not answer ($(tail -n1 "$TMP/mirror.log"))"
fi
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
    >"$TMP/apt.log" 2>&1 || skip "cannot install debootstrap: $(tail -n1 "$TMP/apt.log")"
fi
[ -f /usr/share/debootstrap/scripts/trixie ] || skip "this debootstrap does not know trixie"

# ---- the base root (cached) --------------------------------------------------------------------
KEY=$(echo "v1 $MIRROR $SECURITY" | sha256sum | cut -c1-12)
BASE_TAR=$CACHE/debian-trixie-minbase-$KEY.tar
if [ ! -s "$BASE_TAR" ]; then
  say "debootstrap trixie from $MIRROR (once; cached in $BASE_TAR)"
  t=$SECONDS
  debootstrap --variant=minbase trixie "$TMP/base" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TMP/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  rm -f "$TMP/base/etc/apt/sources.list"
  cat >"$TMP/base/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  rm -rf "${TMP:?}/base/var/cache/apt/"*.bin "${TMP:?}/base/var/lib/apt/lists/"*
  tar --numeric-owner -C "$TMP/base" -cf "$BASE_TAR.tmp" .
  rm -rf --one-file-system "${TMP:?}/base"
  find "$CACHE" -maxdepth 1 -name 'debian-trixie-minbase-*.tar' ! -name "${BASE_TAR##*/}" -delete
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  say "base root: $(du -m "$BASE_TAR" | cut -f1) MB in $((SECONDS - t)) s"
fi

ROOT=$TMP/root
mkdir -p "$ROOT"
tar --numeric-owner -C "$ROOT" -xf "$BASE_TAR"
grep -q 'VERSION_CODENAME=trixie' "$ROOT/etc/os-release" || die "the root is not trixie"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# apt's proxy and timeout settings of this machine (no keyrings or sources)
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
  [ -f "$f" ] && grep -q '^[[:space:]]*Acquire::' "$f" && cp "$f" "$ROOT/etc/apt/apt.conf.d/"
done
mkdir -p "$ROOT/src" "$ROOT/ccache"
# the source: what git knows and does not ignore (no build folders, no runs)
git -C "$SRC" ls-files -z --cached --others --exclude-standard |
  (cd "$SRC" && xargs -0 tar --no-recursion -cf - 2>/dev/null) | tar -C "$ROOT/src" -xf - ||
  die "cannot copy the source tree"

# ---- inside: test.sh, then a short quickstart -------------------------------------------------
cat >"$ROOT/run.sh" <<INNER
#!/bin/bash
set -euo pipefail
cd /src
if [ "$PREPARE" = 1 ]; then
  apt-get update -qq && apt-get install -y -qq -d --no-install-recommends \$(scripts/setup.sh --packages)
  exit 0
fi
. /etc/os-release
echo "debian13_test: inside: \$PRETTY_NAME, \$(nproc) cores"
t=\$SECONDS
scripts/test.sh $(printf '%q ' "$@")
echo "debian13_test: TIME test.sh \$((SECONDS - t)) s (setup + build + ctest)"
echo "debian13_test: inside: \$(gcc --version | head -n1); LibTorch \$(dpkg-query -W -f='\${Version}' libtorch-dev)"
if [ "$STEPS" != 0 ]; then
  t=\$SECONDS
  scripts/quickstart.sh --set train.steps=$STEPS --set train.eval_every=$STEPS \
    --set train.save_every=$STEPS >/tmp/quickstart.log 2>&1 ||
    { tail -n 30 /tmp/quickstart.log; echo "debian13_test: quickstart failed"; exit 1; }
  test -e runs/quickstart/final/DONE || { echo "debian13_test: quickstart made no final/"; exit 1; }
  ./build/bertforge fill-mask --checkpoint runs/quickstart/final "Elizabeth was [MASK] to see him." |
    tail -n 3
  echo "debian13_test: TIME quickstart (train.steps=$STEPS) \$((SECONDS - t)) s"
fi
INNER
chmod +x "$ROOT/run.sh"

say "entering the trixie root (scripts/test.sh; apt-get, build and tests take a while)"
ENVV=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  DEBIAN_FRONTEND=noninteractive CCACHE_DIR=/ccache CCACHE_BASEDIR=/src JOBS="${JOBS:-$(nproc)}"
  ${OPENBLAS_CORETYPE:+OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})
set +e
unshare --mount --propagation private bash -euc '
  R=$1; C=$2; shift 2
  mount -t proc proc "$R/proc"
  mount --rbind /sys "$R/sys"
  mount --rbind /dev "$R/dev"
  mount -t tmpfs -o size=4g tmpfs "$R/dev/shm" 2>/dev/null || true
  mount --bind "$C/archives" "$R/var/cache/apt/archives"
  mount --bind "$C/ccache" "$R/ccache"
  exec chroot "$R" /usr/bin/env -i "$@" /run.sh
' bash "$ROOT" "$CACHE" "${ENVV[@]}" 2>&1 | tee "$TMP/inside.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || die "inside the trixie root: exit $rc (log above)"
if [ "$PREPARE" = 1 ]; then say "prepared: $(du -sm "$CACHE" | cut -f1) MB in $CACHE"; exit 0; fi
say "PASS (total $((SECONDS - T0)) s)"
