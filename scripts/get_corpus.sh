#!/usr/bin/env bash
# Builds bertforge's default corpora from public-domain texts that Debian packages ship:
#   data/corpus/general.txt  Jane Austen's six novels (package r-cran-janeaustenr), one chapter
#                            per document, ~4 MB
#   data/corpus/domain.txt   the King James Bible (packages bible-kjv, bible-kjv-text), one chapter
#                            per document, one verse per line, ~4 MB
# Format: one sentence per line, a blank line between documents. Idempotent: skips a corpus that
# exists. Only the .deb of r-cran-janeaustenr is fetched and unpacked (installing it would pull
# in all of R); bible-kjv is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=data/corpus
mkdir -p "$OUT"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
  if [ "$updated" = 0 ]; then
    $SUDO apt-get update -qq
    updated=1
  fi
}

if [ ! -s "$OUT/general.txt" ]; then
  RDATA=/usr/lib/R/site-library/janeaustenr/data
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if [ ! -f "$RDATA/Rdata.rdb" ]; then
    (cd "$work" && { apt-get download -qq r-cran-janeaustenr 2>/dev/null ||
      { apt_update && apt-get download -qq r-cran-janeaustenr; }; })
    dpkg-deb -x "$work"/r-cran-janeaustenr_*.deb "$work/root"
    RDATA="$work/root$RDATA"
  fi
  python3 scripts/make_corpus.py austen "$RDATA" "$OUT/general.txt"
fi

if [ ! -s "$OUT/domain.txt" ]; then
  if ! command -v bible >/dev/null 2>&1; then
    echo "get_corpus: installing bible-kjv"
    $SUDO apt-get install -y -qq --no-install-recommends bible-kjv >/dev/null 2>&1 ||
      { apt_update && $SUDO apt-get install -y -qq --no-install-recommends bible-kjv >/dev/null; }
  fi
  raw=$(mktemp)
  bible -l 100000 "Gen1:1-Rev22:21" >"$raw"
  python3 scripts/make_corpus.py kjv "$raw" "$OUT/domain.txt"
  rm -f "$raw"
fi
echo "get_corpus: $(wc -c <"$OUT/general.txt") bytes in $OUT/general.txt," \
  "$(wc -c <"$OUT/domain.txt") bytes in $OUT/domain.txt"
