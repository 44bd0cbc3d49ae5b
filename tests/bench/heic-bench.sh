#!/usr/bin/env bash
# heic-bench.sh - an iPhone-sized HEIC photo (4032 x 3024) through
# printgate-convert to the held PDF, against a peer doing the same with the
# usual command-line tools, same file, same run (docs/converters.md,
# "Measured").
#
#   tests/bench/heic-bench.sh [BUILD_DIR] [RUNS] [HEIC]
#
# The photo is made once from a generated photo-like picture (ImageMagick
# plasma, blurred, with grain) with heif-enc (x265, quality 50: about the
# bytes per pixel of an iPhone's HEIC); HEIC replaces it.
#
# helper      = tests/unit/test-convert-helper --run: posix_spawn, the photo
#               in a memfd, the sandbox, libheif decode, JPEG encode, cairo
#               PDF, Ghostscript pdfwrite, libqpdf check, colour pages, the
#               PDF read back from the pipe (spawn to exit, as the daemon
#               waits); also with PG_CONVERT_COLOR=0.
# peer        = heif-convert -q 92 (libheif's own tool) to a JPEG, then gs
#               pdfwrite with viewjpeg.ps to an A4 PDF (the JPEG kept as DCT):
#               the shell-script way (ImageMagick's `convert x.heic x.pdf` is
#               refused by Debian's ImageMagick policy, PDF coder "none").
#               No sandbox, no orientation or centring, no page or colour
#               count: less work than the helper does.
# gs pass     = bare gs pdfwrite of the helper's output: what the helper's
#               second (normalising) pass over its own PDF costs.
#
# Medians of RUNS runs (default 5).  A benchmark, not a test: it prints
# numbers and never fails on them.
set -u
B=${1:-${GW_BUILD_DIR:-$(pwd)}}
RUNS=${2:-5}
S=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUN=$B/tests/test-convert-helper
[ -x "$RUN" ] && [ -x "$B/converters/printgate-convert" ] || { echo "build test-convert-helper and printgate-convert in $B first" >&2; exit 1; }
for t in heif-enc heif-convert convert gs pdfinfo; do
  command -v "$t" >/dev/null || { echo "heic-bench: $t is missing (scripts/deps.sh --test)" >&2; exit 1; }
done
export GW_BUILD_DIR=$B GW_SOURCE_DIR=$S

W=$(mktemp -d /dev/shm/pgbench.XXXXXX)
trap 'rm -rf "$W"' EXIT

. "$(dirname "$0")/../lib/bench.sh"

helper_ms() {  # helper_ms FILE [NAME=VALUE...]: milliseconds from spawn to exit
  "$RUN" --run "$@" | awk '{ printf "%d\n", $1 * 1000 + 0.5 }'
}

VIEWJPEG=$(ls /usr/share/ghostscript/*/lib/viewjpeg.ps 2>/dev/null | head -1)
peer() {     # peer HEIC: heif-convert to JPEG, gs viewjpeg to PDF
  heif-convert -q 92 "$1" "$W/peer.jpg" >/dev/null 2>&1 &&
  gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sPAPERSIZE=a4 --permit-file-read="$W/peer.jpg" \
     -o "$W/peer.pdf" "$VIEWJPEG" -c "($W/peer.jpg) viewJPEG showpage" >/dev/null 2>&1
}
peer_decode() { heif-convert -q 92 "$1" "$W/peer.jpg"; }
gs_pass()     { gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/again.pdf" "$1"; }

# The photo.
if [ $# -ge 3 ]; then
  HEIC=$3
else
  HEIC=$W/iphone.heic
  echo "making a 4032 x 3024 photo-like HEIC (once; takes a while)..."
  convert -size 1008x756 -seed 42 plasma:fractal -blur 0x1 -resize 4032x3024\! -attenuate 0.4 +noise Gaussian \
          -quality 95 "$W/photo.jpg" && heif-enc -q 50 "$W/photo.jpg" -o "$HEIC" >/dev/null 2>&1 ||
    { echo "heic-bench: could not make the photo" >&2; exit 1; }
fi

# One conversion by hand, for its result line and its output.
mkdir -m 700 "$W/conv"
PG_CONVERT_TMPDIR=$W/conv "$B/converters/printgate-convert" --normalize < "$HEIC" > "$W/helper.pdf" 2>"$W/helper.err"
peer "$HEIC"
echo "heic-bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, medians; libheif $(dpkg-query -W -f '${Version}' libheif1 2>/dev/null); gs $(gs --version)"
echo "photo: $(stat -c %s "$HEIC") bytes HEIC; helper: $(tail -1 "$W/helper.err"), PDF $(stat -c %s "$W/helper.pdf") bytes ($(pdfinfo "$W/helper.pdf" | awk '/^Page size/ { print $3 " x " $5 " pt" }')); peer PDF $(stat -c %s "$W/peer.pdf") bytes"

h1=(); h0=(); p=(); pd=(); gp=()
for _ in $(seq "$RUNS"); do
  h1+=("$(helper_ms "$HEIC")")
  h0+=("$(helper_ms "$HEIC" PG_CONVERT_COLOR=0)")
  p+=("$(time_ms peer "$HEIC")")
  pd+=("$(time_ms peer_decode "$HEIC")")
  gp+=("$(time_ms gs_pass "$W/helper.pdf")")
done

H1=$(median "${h1[@]}"); H0=$(median "${h0[@]}"); P=$(median "${p[@]}"); PD=$(median "${pd[@]}"); GP=$(median "${gp[@]}")
echo "helper, whole --normalize (with colour pages):  $H1 ms"
echo "helper, PG_CONVERT_COLOR=0:                     $H0 ms"
echo "peer, heif-convert + gs viewjpeg pdfwrite:      $P ms (heif-convert alone $PD ms)"
echo "bare gs pdfwrite of the helper's PDF (its second pass): $GP ms"
awk -v h1="$H1" -v h0="$H0" -v p="$P" 'BEGIN {
  printf "ratio peer / helper: %.2f (with colour pages), %.2f (without)\n", p / h1, p / h0 }'
