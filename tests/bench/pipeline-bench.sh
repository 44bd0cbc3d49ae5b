#!/usr/bin/env bash
# pipeline-bench.sh - a PDF through the whole submission pipeline of
# printgated (CLI start, the bytes over the control socket, encrypted into
# the spool as they arrive, decrypted into a sealed memfd, posix_spawn of
# printgate-convert, its sandbox, Ghostscript pdfwrite, the libqpdf check,
# the normalised PDF encrypted into the spool, the store commits) beside
# bare `gs -sDEVICE=pdfwrite` on the same file in the same run, alternating.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/pipeline-bench.sh [ROUNDS] [PDF...]
#
# 1. normalisation (CountColorPages no) vs bare pdfwrite (target >= 90 % of
#    bare gs pages/s);
# 2. the same with colour pages counted (CountColorPages yes) vs bare
#    pdfwrite followed by bare inkcov at the same 36 dpi;
# 3. two submissions at once vs one (target >= 1.7x), bare gs likewise,
#    and the whole machine's CPU per document (/proc/stat) for both: with
#    both cores busy the wall time follows the CPU a document costs;
# 4. the colour pages printgated counted (the content scan, rendering only
#    the pages it cannot call grey) against the method before it (every page
#    rendered: test-convert-helper --run with PG_CONVERT_COLOR=render).
# BARE_NICE=10 runs bare gs at the priority printgated gives its conversions
# (GW_CONVERT_INTAKE_NICE): on a machine others load, a nice-10 helper
# against a nice-0 gs measures the priority, not the pipeline.
# Default files: synth100 (made here) and the three documents of issue 15
# that Debian ships.  The load average before and after each file is
# printed: the machines are shared.
# CONVERSION_POOL=N sets ConversionPool (default 2; 0 = a helper started
# per document): run with 0 and 2 to see what the pool saves.  After each
# reload one untimed job lets the pool learn the new settings.  ZYGOTE=no
# sets ConversionZygote no (pooled helpers exec'd, not forked from a zygote).  The last
# line of each file gives the medians of the daemon's helper= and of the
# helper's own profile stages (docs/converters.md, "Fixed cost").
# Medians of ROUNDS (default 5).  A benchmark: prints numbers, never fails on them.
set -u
ROUNDS=${1:-5}
BARE_NICE=${BARE_NICE:-0}
shift $(( $# > 0 ? 1 : 0 ))
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
CONV=$(mktemp -d /dev/shm/pgbench.XXXXXX)

POOL=${CONVERSION_POOL:-2}
gw_start "LogLevel debug" "CountColorPages no" "ConversionDir $CONV" "MaxHeldJobsPerUser 100000" "ConversionPool $POOL" \
         "ConversionZygote ${ZYGOTE:-yes}"
gw user add bench >/dev/null

gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/synth100.pdf" "$GW_SOURCE_DIR/tests/bench/synth100.ps" >/dev/null 2>&1
FILES=("$W/synth100.pdf")
for f in /usr/share/doc/libtasn1-doc/libtasn1.pdf /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf \
         /usr/share/cups/data/form_english.pdf; do
  [ -f "$f" ] && FILES+=("$f")
done
[ $# -gt 0 ] && FILES=("$@")

. "$(dirname "$0")/../lib/bench.sh"
now_us() { echo "${EPOCHREALTIME/./}"; }

submit() { gw job submit --user bench "$1" > "$W/last-job" || echo "submit failed" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
bare_pdfwrite() { nice -n "$BARE_NICE" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$CONV/bare-$2.pdf" "$1" >/dev/null 2>&1; }
bare_both() { bare_pdfwrite "$1" "$2" && nice -n "$BARE_NICE" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=inkcov -r36 -o /dev/null "$CONV/bare-$2.pdf" >/dev/null 2>&1; }

# The whole machine's busy CPU (all processes: CLI, daemon, reapers, helpers,
# gs), in ms (/proc/stat, USER_HZ 100).  Beside the wall time, it shows what a
# document costs when the second core is not there to absorb it.
busy_ms() { awk '/^cpu / { print ($2 + $3 + $4 + $7 + $8) * 10 }' /proc/stat; }
one_ms() {   # one_ms TAG CMD...: wall ms of one run to $W/TAG, busy CPU ms to $W/TAG.cpu
  local tag=$1 t0 t1 b0; shift
  b0=$(busy_ms); t0=$(now_us); "$@"; t1=$(now_us)
  echo $(( $(busy_ms) - b0 )) >> "$W/$tag.cpu"
  echo $(( (t1 - t0) / 1000 )) >> "$W/$tag"
}
two_ms() {   # two_ms TAG CMD ARG: the same for two runs at once
  local tag=$1 t0 t1 p1 p2 b0; shift
  b0=$(busy_ms); t0=$(now_us)
  "$1" "$2" a & p1=$!
  "$1" "$2" b & p2=$!
  wait "$p1" "$p2"; t1=$(now_us)
  echo $(( $(busy_ms) - b0 )) >> "$W/$tag.cpu"
  echo $(( (t1 - t0) / 1000 )) >> "$W/$tag"
}
colour() {   # colour yes|no: switch CountColorPages with a reload
  sed -i "s/^CountColorPages .*/CountColorPages $1/" "$GW_CONF"
  local n; n=$(grep -c "Configuration reloaded" "$GW_LOG")
  kill -HUP "$GW_PID"
  peers_wait 10 sh -c "[ \$(grep -c 'Configuration reloaded' '$GW_LOG') -gt $n ]"
  # The pool learns the new settings from a job (a reload is rare; not timed).
  [ "$POOL" -gt 0 ] && { submit "$COLOUR_WARM"; sleep 0.3; }
  return 0
}
profile() {   # profile FROM-LINE: medians of the daemon's helper= and the helper's own stages since that log line
  tail -n +"$1" "$GW_LOG" | grep -o 'helper=[0-9.]*ms' | sed 's/helper=//; s/ms//' | sort -n > "$W/ph"
  tail -n +"$1" "$GW_LOG" | grep -o 'profile: [^,]*' > "$W/pr"
  printf '   helper spawn..exit (or hand-over..exit) median %s ms; in the helper, medians:' "$(median < "$W/ph")"
  for st in setup sandbox wait input convert check color send total; do
    printf ' %s=%s' "$st" "$(grep -o " $st=[0-9.]*" "$W/pr" | cut -d= -f2 | sort -n | median)"
  done
  printf '; pooled %s of %s\n' "$(tail -n +"$1" "$GW_LOG" | grep -c 'pooled=1')" "$(tail -n +"$1" "$GW_LOG" | grep -c 'pooled=[01]')"
}

echo "printgated submission pipeline vs bare gs (at nice $BARE_NICE): $(nproc) cores, $ROUNDS rounds, medians; gs $(gs --version); ConversionPool $POOL, ConversionZygote ${ZYGOTE:-yes}"
for f in "${FILES[@]}"; do
  pages=$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')
  load0=$(loadavg)
  COLOUR_WARM=$f
  submit "$f"; bare_pdfwrite "$f" w          # warm both (page cache, fonts)
  line0=$(( $(wc -l < "$GW_LOG") + 1 ))
  for t in p0 g0 p1 g1 pp gp; do : > "$W/$t"; : > "$W/$t.cpu"; done
  # Every measure in every round, so a load that comes and goes on a shared
  # machine falls on printgated and on bare gs alike.
  for _ in $(seq "$ROUNDS"); do
    colour no
    one_ms p0 submit "$f"
    one_ms g0 bare_pdfwrite "$f" x
    two_ms pp submit "$f"
    two_ms gp bare_pdfwrite "$f"
    colour yes
    one_ms p1 submit "$f"
    one_ms g1 bare_both "$f" x
  done
  C1=$(gw --json job show "$(cat "$W/last-job")" | gw_json_field color_pages)
  C0=$("$GW_BUILD_DIR/tests/test-convert-helper" --run "$f" PG_CONVERT_COLOR=render 2>/dev/null | sed -n 's/.*color_pages=\([0-9]*\).*/\1/p')
  P0=$(median < "$W/p0"); G0=$(median < "$W/g0"); P1=$(median < "$W/p1"); G1=$(median < "$W/g1")
  PP=$(median < "$W/pp"); GP=$(median < "$W/gp")
  echo
  echo "== $(basename "$f"): $pages pages (load average $load0 before, $(loadavg) after)"
  awk -v p="$pages" -v p0="$P0" -v g0="$G0" -v p1="$P1" -v g1="$G1" -v pp="$PP" -v gp="$GP" 'BEGIN {
    printf "1. normalisation   printgated %6d ms %6.1f pages/s | bare gs pdfwrite %6d ms %6.1f pages/s | ratio %5.1f %% (target >= 90 %%)\n", p0, p*1000/p0, g0, p*1000/g0, 100*g0/p0
    printf "2. with colour     printgated %6d ms %6.1f pages/s | bare pdfwrite + inkcov -r36 %6d ms | ratio %5.1f %%; vs bare pdfwrite alone %5.1f %%\n", p1, p*1000/p1, g1, 100*g1/p1, 100*g0/p1
    printf "3. two at once     printgated %6d ms = %4.2fx one | bare gs %6d ms = %4.2fx one (target >= 1.7x)\n", pp, 2*p0/pp, gp, 2*g0/gp
  }'
  echo "   CPU of the whole machine per document (medians): one: printgated $(median < "$W/p0.cpu") ms, bare gs $(median < "$W/g0.cpu") ms; two at once: printgated $(( $(median < "$W/pp.cpu" | cut -d. -f1) / 2 )) ms, bare gs $(( $(median < "$W/gp.cpu" | cut -d. -f1) / 2 )) ms"
  echo "4. colour pages    printgated $C1 | every page rendered $C0: $([ "$C1" = "$C0" ] && echo equal || echo DIFFERENT)"
  profile "$line0"
done
# An iPhone-sized HEIC photo (4032 x 3024, made as tests/bench/heic-bench.sh
# makes it) to a held PDF, with colour pages counted, beside the shell-script
# peer of heic-bench.sh (heif-convert to JPEG, gs viewjpeg.ps to PDF).
if command -v heif-enc >/dev/null && command -v heif-convert >/dev/null && command -v convert >/dev/null; then
  convert -size 1008x756 -seed 42 plasma:fractal -blur 0x1 -resize 4032x3024\! -attenuate 0.4 +noise Gaussian \
          -quality 95 "$W/photo.jpg" && heif-enc -q 50 "$W/photo.jpg" -o "$W/iphone.heic" >/dev/null 2>&1
  VIEWJPEG=$(ls /usr/share/ghostscript/*/lib/viewjpeg.ps 2>/dev/null | head -1)
  peer_heic() {
    heif-convert -q 92 "$1" "$CONV/peer.jpg" >/dev/null 2>&1 &&
    gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sPAPERSIZE=a4 --permit-file-read="$CONV/peer.jpg" \
       -o "$CONV/peer.pdf" "$VIEWJPEG" -c "($CONV/peer.jpg) viewJPEG showpage" >/dev/null 2>&1
  }
  : > "$W/hp"; : > "$W/hg"
  submit "$W/iphone.heic"
  for _ in $(seq "$ROUNDS"); do
    one_ms hp submit "$W/iphone.heic"
    one_ms hg peer_heic "$W/iphone.heic"
  done
  echo
  echo "== iPhone-sized HEIC photo (4032 x 3024, $(stat -c %s "$W/iphone.heic") bytes) to a held PDF, colour pages counted"
  echo "   printgated $(median < "$W/hp") ms | peer heif-convert + gs viewjpeg (no sandbox, no counts) $(median < "$W/hg") ms"
fi

gw_stop TERM
rm -rf "$CONV"
