#!/usr/bin/env bash
# convert-bench.sh - printgate-convert against bare Ghostscript, same files,
# same run (docs/converters.md, "Measured").
#
#   tests/bench/convert-bench.sh [BUILD_DIR] [RUNS] [PDF...]
#
# (PDF... replaces the built-in corpus.)
#
# Each helper conversion is run the way the daemon runs it, by
# tests/unit/test-convert-helper --run: posix_spawn, the document in a
# memfd, the sandbox, Ghostscript in-process, the PDF read back from a pipe.
# Bare gs is the gs command on the same file with the output on tmpfs.
#
#  1. normalisation: helper with PG_CONVERT_COLOR=0 vs `gs -sDEVICE=pdfwrite`
#     (target: >= 90 % of bare gs pages/s);
#  2. the whole --normalize (pdfwrite + page count + colour pages) vs bare
#     pdfwrite followed by bare inkcov, the same work done with gs commands;
#  3. colour detection: (helper with colour) - (helper without) vs
#     `gs -sDEVICE=inkcov -r36` on the normalised PDF (target: as fast);
#  4. two conversions at once vs one (target: >= 1.7x the throughput).
#
# Helper times are taken by the harness from posix_spawn to waitpid (what
# the daemon waits); bare gs times are wall clock around the gs command.
# Two at once is given both ways: wall clock around two harnesses (which
# also start, fill a memfd and clean up: ~25 ms each) and the longer of
# the two helpers' own spawn-to-exit times.  Medians of RUNS runs (default 5).  A benchmark, not a test: it prints
# numbers and never fails on them.
set -u
B=${1:-${GW_BUILD_DIR:-$(pwd)}}
RUNS=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
S=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUN=$B/tests/test-convert-helper
DPI=36                                    # GW_CONV_COLOR_DPI in convert-private.h
[ -x "$RUN" ] && [ -x "$B/converters/printgate-convert" ] || { echo "build test-convert-helper and printgate-convert in $B first" >&2; exit 1; }
export GW_BUILD_DIR=$B GW_SOURCE_DIR=$S

W=$(mktemp -d /dev/shm/pgbench.XXXXXX)
trap 'rm -rf "$W"' EXIT

. "$(dirname "$0")/../lib/bench.sh"

helper() {   # helper FILE [NAME=VALUE...]
  "$RUN" --run "$@"
}

helper_ms() {  # helper_ms FILE [NAME=VALUE...]: milliseconds from spawn to exit, as the daemon sees them
  "$RUN" --run "$@" | awk '{ printf "%d\n", $1 * 1000 + 0.5 }'
}

bare_pdfwrite() { gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/bare.pdf" "$1"; }
bare_inkcov()   { gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=inkcov -r$DPI -o /dev/null "$1"; }
bare_both()     { bare_pdfwrite "$1" && bare_inkcov "$W/bare.pdf"; }
bare_nullpage() { gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage "$1"; }

pair_helper() {  # pair_helper FILE [NAME=VALUE...]: two helpers at once, the longer spawn-to-exit time (ms)
  "$RUN" --run "$@" > "$W/pair1" 2>/dev/null & local p1=$!
  "$RUN" --run "$@" > "$W/pair2" 2>/dev/null & local p2=$!
  wait "$p1" "$p2"
  cat "$W/pair1" "$W/pair2" | awk '$1 > m { m = $1 } END { printf "%d\n", m * 1000 + 0.5 }'
}

pair() {     # pair CMD...: wall milliseconds of two copies of CMD at once
  local t0; t0=$(ms)
  "$@" >/dev/null 2>&1 & local p1=$!
  "$@" >/dev/null 2>&1 & local p2=$!
  wait "$p1" "$p2"
  echo $(( $(ms) - t0 ))
}

# The corpus: a synthetic 100-page A4 document (text, 20 vector shapes and
# a different 256x256 RGB image per page) and, when installed, a real
# 36-page pdfTeX manual.
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/synth100.pdf" "$S/tests/bench/synth100.ps" >/dev/null 2>&1
FILES=("$W/synth100.pdf")
[ -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ] && cp /usr/share/doc/libtasn1-doc/libtasn1.pdf "$W/tasn1.pdf" && FILES+=("$W/tasn1.pdf")
[ $# -gt 0 ] && FILES=("$@")

# Fixed costs: a one-page document.
gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/one.pdf" -c "/Helvetica findfont 12 scalefont setfont 72 700 moveto (one page) show showpage" >/dev/null 2>&1

echo "printgate-convert benchmark: $(nproc) cores, $RUNS runs each, medians; gs $(gs --version); colour pass at $DPI dpi"
o0=(); o1=(); og=()
for _ in $(seq "$RUNS"); do
  o0+=("$(helper_ms "$W/one.pdf" PG_CONVERT_COLOR=0)")
  o1+=("$(helper_ms "$W/one.pdf")")
  og+=("$(time_ms bare_pdfwrite "$W/one.pdf")")
done
echo "fixed cost, 1-page PDF: helper $(median "${o0[@]}") ms without colour, $(median "${o1[@]}") ms with; bare gs pdfwrite $(median "${og[@]}") ms"

for f in "${FILES[@]}"; do
  name=$(basename "$f")
  pages=$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')
  res=$(helper "$f" | cut -d' ' -f2-)
  helper "$f" PG_CONVERT_COLOR=0 >/dev/null
  gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/normalised.pdf" "$f" >/dev/null 2>&1

  h0=(); h1=(); g0=(); gi=(); gb=(); gn=(); gz=()
  for _ in $(seq "$RUNS"); do       # interleaved, so drift hits both sides alike
    h0+=("$(helper_ms "$f" PG_CONVERT_COLOR=0)")
    g0+=("$(time_ms bare_pdfwrite "$f")")
    h1+=("$(helper_ms "$f")")
    gb+=("$(time_ms bare_both "$f")")
    gi+=("$(time_ms bare_inkcov "$W/normalised.pdf")")
    gn+=("$(time_ms bare_inkcov "$f")")
    gz+=("$(time_ms bare_nullpage "$W/normalised.pdf")")
  done
  H0=$(median "${h0[@]}"); G0=$(median "${g0[@]}"); H1=$(median "${h1[@]}")
  GB=$(median "${gb[@]}"); GI=$(median "${gi[@]}"); GN=$(median "${gn[@]}"); GZ=$(median "${gz[@]}")

  # Two at once against one, both by the wall clock around the harness
  # (which costs ~35 ms of its own per run: start, memfd, cleanup).
  p2h=(); p2g=(); p2c=(); x0=(); x1=(); q0=(); q1=()
  for _ in $(seq "$RUNS"); do
    q0+=("$(pair_helper "$f" PG_CONVERT_COLOR=0)")
    q1+=("$(pair_helper "$f")")
    x0+=("$(time_ms helper "$f" PG_CONVERT_COLOR=0)")
    p2h+=("$(pair helper "$f" PG_CONVERT_COLOR=0)")
    x1+=("$(time_ms helper "$f")")
    p2c+=("$(pair helper "$f")")
    p2g+=("$(pair bare_pdfwrite "$f")")
  done
  P2H=$(median "${p2h[@]}"); P2C=$(median "${p2c[@]}"); P2G=$(median "${p2g[@]}")
  X0=$(median "${x0[@]}"); X1=$(median "${x1[@]}"); Q0=$(median "${q0[@]}"); Q1=$(median "${q1[@]}")

  echo
  echo "== $name: $pages pages; helper says: $res"
  awk -v p="$pages" -v h0="$H0" -v g0="$G0" -v h1="$H1" -v gb="$GB" -v gi="$GI" -v gn="$GN" \
      -v gz="$GZ" -v x0="$X0" -v x1="$X1" -v q0="$Q0" -v q1="$Q1" -v p2h="$P2H" -v p2c="$P2C" -v p2g="$P2G" 'BEGIN {
    printf "1. normalisation       helper (no colour) %6d ms %6.1f pages/s | bare gs pdfwrite %6d ms %6.1f pages/s | ratio %5.1f %% (target >= 90 %%)\n", h0, p * 1000 / h0, g0, p * 1000 / g0, 100 * g0 / h0
    printf "2. whole --normalize   helper             %6d ms %6.1f pages/s | bare pdfwrite+inkcov %6d ms %6.1f pages/s | ratio %5.1f %%; vs bare pdfwrite alone %5.1f %%\n", h1, p * 1000 / h1, gb, p * 1000 / gb, 100 * gb / h1, 100 * g0 / h1
    printf "3. colour detection    helper (with - without) %6d ms %6.1f pages/s | bare inkcov -r%d on the normalised PDF %6d ms, on the input %6d ms | ratio %5.2fx (target >= 1)\n", h1 - h0, p * 1000 / (h1 - h0), '"$DPI"', gi, gn, gi / (h1 - h0)
    printf "   (interpreting the normalised PDF once more, bare gs nullpage: %d ms = %.0f %% of bare pdfwrite)\n", gz, 100 * gz / g0
    printf "4. two at once         helper (no colour) %6d ms vs one %6d ms = %4.2fx | helper (colour) %6d ms vs %6d ms = %4.2fx | bare gs pdfwrite %6d ms = %4.2fx (target >= 1.7x)\n", p2h, x0, 2 * x0 / p2h, p2c, x1, 2 * x1 / p2c, p2g, 2 * g0 / p2g
    printf "   helpers only, spawn to exit: no colour %d ms vs one %d ms = %4.2fx | colour %d ms vs %d ms = %4.2fx\n", q0, h0, 2 * h0 / q0, q1, h1, 2 * h1 / q1
  }'
done
