#!/usr/bin/env bash
# vector-bench.sh - SVG and XPS through printgate-convert to the held PDF,
# against the library's own command-line tool (rsvg-convert, xpstopdf),
# same files, same run (docs/converters.md, "Measured").
#
#   tests/bench/vector-bench.sh [BUILD_DIR] [RUNS]
#
# Files: tests/data/convert/sample.svg; Debian's own SVGs where installed
# (postgresql-common's dependencies.svg, a 65 x 24 cm diagram with text;
# LibreOffice's Writer icon, gradients); an XPS of three A4 pages made by
# Ghostscript's xpswrite from tests/data/convert/three-pages.ps, and a
# 50-page one from tests/bench/synth100.ps (cut to 50 pages); the two mails
# of tests/data/convert (no peer: no library with its own tool).
#
# helper = tests/unit/test-convert-helper --run: posix_spawn, the document
#          in a memfd, the sandbox, librsvg/libgxps onto the cairo PDF
#          surface, libqpdf check, colour pages, the PDF read back (spawn to
#          exit, as the daemon waits); also with PG_CONVERT_COLOR=0.
# peer   = rsvg-convert -f pdf / xpstopdf: no sandbox, no checks, no count.
#
# Medians of RUNS runs (default 5).  A benchmark, not a test: it prints
# numbers and never fails on them.
set -u
B=${1:-${GW_BUILD_DIR:-$(pwd)}}
RUNS=${2:-5}
S=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUN=$B/tests/test-convert-helper
. "$(dirname "$0")/../lib/bench.sh"
bench_helper_setup vector-bench rsvg-convert xpstopdf gs pdfinfo

peer() {       # peer FILE: the library's own tool to a PDF
  case "$1" in
    *.svg) rsvg-convert -f pdf -o "$W/peer.pdf" "$1" ;;
    *.xps) xpstopdf "$1" "$W/peer.pdf" ;;
  esac
}

gs -q -dSAFER -sDEVICE=xpswrite -o "$W/three.xps" "$S/tests/data/convert/three-pages.ps" >/dev/null 2>&1
gs -q -dSAFER -sDEVICE=xpswrite -dLastPage=50 -o "$W/fifty.xps" "$S/tests/bench/synth100.ps" >/dev/null 2>&1
FILES=("$S/tests/data/convert/sample.svg")
for f in /usr/share/doc/postgresql-common/dependencies.svg /usr/share/icons/hicolor/scalable/apps/libreoffice-writer.svg; do
  [ -r "$f" ] && FILES+=("$f")
done
FILES+=("$W/three.xps" "$W/fifty.xps" "$S/tests/data/convert/mail-plain.eml" "$S/tests/data/convert/mail-multipart.eml")

echo "vector-bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, medians; librsvg $(dpkg-query -W -f '${Version}' librsvg2-2 2>/dev/null); libgxps $(dpkg-query -W -f '${Version}' libgxps2 2>/dev/null)"
printf '%-28s %6s %10s %10s %10s %8s\n' "file" "pages" "helper" "no colour" "peer" "peer/h"
for f in "${FILES[@]}"; do
  mkdir -m 700 "$W/conv"
  res=$(PG_CONVERT_TMPDIR=$W/conv "$B/converters/printgate-convert" --normalize < "$f" 3>&1 >/dev/null 2>/dev/null)
  rm -rf "$W/conv"
  h1=(); h0=(); p=()
  for _ in $(seq "$RUNS"); do
    h1+=("$(helper_ms "$f")")
    h0+=("$(helper_ms "$f" PG_CONVERT_COLOR=0)")
    case "$f" in *.eml) p+=(0) ;; *) p+=("$(time_ms peer "$f")") ;; esac
  done
  H1=$(median "${h1[@]}"); H0=$(median "${h0[@]}"); P=$(median "${p[@]}")
  pages=$(echo "$res" | sed -n 's/^ok pages=\([0-9]*\).*/\1/p')
  case "$f" in *.eml) P=-; R=- ;; *) R=$(awk -v p="$P" -v h="$H1" 'BEGIN { printf "%.2f", p / h }') ;; esac
  printf '%-28s %6s %7s ms %7s ms %7s ms %8s\n' "$(basename "$f")" "${pages:-fail}" "$H1" "$H0" "$P" "$R"
done
