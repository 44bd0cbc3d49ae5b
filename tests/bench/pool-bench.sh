#!/usr/bin/env bash
# pool-bench.sh - what the pool of pre-started helpers saves (ConversionPool,
# docs/converters.md "The helper pool"): one printgated, colour pages
# counted (the default), each round one submission with ConversionPool 0
# (a helper started for the document) and one with ConversionPool 2 (a
# waiting helper takes it), alternating, so a load that comes and goes on
# a shared machine falls on both alike.  Bare `gs -sDEVICE=pdfwrite` runs
# in the same rounds (at BARE_NICE, default 10: the helpers' priority).
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/pool-bench.sh [ROUNDS] [PDF...]
#
# Per file: medians of the submission's wall time (CLI to held), of the
# daemon's helper= (spawn, or hand-over, to exit), of what the helper costs
# outside its document's stages (helper= minus input..send of the same run:
# exec, loading, sandbox, exit; what the pool takes off the wait, measured
# per run so Ghostscript's own load-dependent time cancels) and of the
# helper's own profile stages, for each mode; and the CPU time per document (user +
# system, summed over the rounds: the daemon with the reapers and helpers
# it reaped, which includes a pooled helper's start, plus the CLI) against
# bare gs's: unlike wall time it hardly moves with the load of a shared
# machine.  A benchmark: prints numbers, never fails.
set -u
ROUNDS=${1:-7}
BARE_NICE=${BARE_NICE:-10}
shift $(( $# > 0 ? 1 : 0 ))
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$(dirname "$0")/../lib/bench.sh"
peers_init
W=$PEERS_DIR
CONV=$(mktemp -d /dev/shm/pgbench.XXXXXX)
FILES=()
for f in /usr/share/cups/data/form_english.pdf /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf \
         /usr/share/doc/libtasn1-doc/libtasn1.pdf; do
  [ -f "$f" ] && FILES+=("$f")
done
[ $# -gt 0 ] && FILES=("$@")

gw_start "LogLevel debug" "ConversionDir $CONV" "MaxHeldJobsPerUser 100000" "ConversionPool 2"
gw user add bench >/dev/null
now_us() { echo "${EPOCHREALTIME/./}"; }
cpu_daemon() { awk '{ print ($14 + $15 + $16 + $17) * 10 }' "/proc/$GW_PID/stat"; }   # ms (100 Hz ticks)
cpu_kids() {   # cpu_kids VAR: CPU ms of this shell's waited-for children, into VAR (builtins only: no child of its own)
  local u s mu su
  times > "$W/times"
  { read -r _ _; read -r u s; } < "$W/times"
  mu=${u#*m}; mu=${mu%s}; su=${s#*m}; su=${su%s}
  printf -v "$1" '%d' $(( ${u%%m*} * 60000 + 10#${mu/./} + ${s%%m*} * 60000 + 10#${su/./} ))
}
submit() { gw job submit --user bench "$1" >/dev/null || echo "submit failed" >&2; }
timed() { local t0; t0=$(now_us); "$@"; echo $(( ($(now_us) - t0) / 1000 )); }
bare() { nice -n "$BARE_NICE" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$CONV/bare.pdf" "$1" >/dev/null 2>&1; }
pool() {   # pool N: ConversionPool N with a reload
  sed -i "s/^ConversionPool .*/ConversionPool $1/" "$GW_CONF"
  local n; n=$(grep -c "Configuration reloaded" "$GW_LOG")
  kill -HUP "$GW_PID"
  peers_wait 10 sh -c "[ \$(grep -c 'Configuration reloaded' '$GW_LOG') -gt $n ]"
}

overhead() {   # overhead FROM-LINE: helper= minus the helper's own document stages (input..send) of the one job logged since
  tail -n +"$1" "$GW_LOG" | awk '
    /profile:/ { d = 0; for (i = 1; i <= NF; i++) if ($i ~ /^(input|convert|check|color|send)=/) { split($i, kv, "="); d += kv[2] } }
    /helper=[0-9.]*ms/ { match($0, /helper=[0-9.]*ms/); h = substr($0, RSTART + 7, RLENGTH - 9); printf "%.1f\n", h - d }'
}
one() {   # one MODE FILE: one timed submission; its wall time, helper=, start+exit and profile into $W/*MODE; its CPU in CPU
  local n d k k1 pooled=$(( $1 > 0 ))
  n=$(wc -l < "$GW_LOG"); d=$(cpu_daemon); cpu_kids k
  timed submit "$2" >> "$W/p$1"
  cpu_kids k1; CPU=$(( $(cpu_daemon) - d + k1 - k ))
  overhead "$((n + 1))" >> "$W/o$1"
  tail -n +"$((n + 1))" "$GW_LOG" | grep -o 'profile: [^,]*' >> "$W/pr$1"
  tail -n +"$((n + 1))" "$GW_LOG" | grep -o "helper=[0-9.]*ms.*pooled=$pooled" | sed 's/helper=\([0-9.]*\)ms.*/\1/' >> "$W/h$1"
}
echo "ConversionPool 0 vs 2 in one printgated, alternating: $(nproc) cores, $ROUNDS rounds, medians; bare gs at nice $BARE_NICE"
for f in "${FILES[@]}"; do
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  submit "$f"; bare "$f"                     # warm (page cache, fonts), and the pool learns the settings
  : > "$W/p0"; : > "$W/p2"; : > "$W/g"; : > "$W/pr0"; : > "$W/pr2"; : > "$W/h0"; : > "$W/h2"; : > "$W/o0"; : > "$W/o2"
  cpu0=0; cpu2=0; cpug=0
  for _ in $(seq "$ROUNDS"); do
    pool 0; sleep 0.3
    one 0 "$f"; cpu0=$(( cpu0 + CPU ))
    cpu_kids k; timed bare "$f" >> "$W/g"; cpu_kids k1; cpug=$(( cpug + k1 - k ))
    pool 2; submit "$f"; sleep 1            # waiting helpers for the next one (slow to start on a loaded machine)
    one 2 "$f"; cpu2=$(( cpu2 + CPU ))
  done
  echo
  echo "== $(basename "$f"): $(pdfinfo "$f" | awk '/^Pages:/ { print $2 }') pages (load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after)"
  G=$(median < "$W/g")
  for m in 0 2; do
    P=$(median < "$W/p$m")
    printf '  ConversionPool %s: submit->held %5d ms (%5.1f %% of bare gs pdfwrite %d ms); daemon helper= %s ms (%s of %s pooled); helper stages:' \
      "$m" "$P" "$(awk -v g="$G" -v p="$P" 'BEGIN { print 100 * g / p }')" "$G" "$(median < "$W/h$m")" \
      "$( [ "$m" = 2 ] && wc -l < "$W/h2" || echo 0)" "$(wc -l < "$W/p$m")"
    printf ' start+exit (helper= minus input..send) %s ms;' "$(median < "$W/o$m")"
    for st in sandbox wait input convert check color send total; do
      printf ' %s=%s' "$st" "$(grep -o " $st=[0-9.]*" "$W/pr$m" | cut -d= -f2 | median)"
    done
    echo
  done
  c0=$(( cpu0 / ROUNDS )); c2=$(( cpu2 / ROUNDS )); cg=$(( cpug / ROUNDS ))
  printf '  CPU per document: printgated %d ms (ConversionPool 0), %d ms (2) | bare gs pdfwrite %d ms | ratio %s %% / %s %%\n' \
    "$c0" "$c2" "$cg" "$(awk -v g="$cg" -v p="$c0" 'BEGIN { printf "%.1f", 100 * g / p }')" "$(awk -v g="$cg" -v p="$c2" 'BEGIN { printf "%.1f", 100 * g / p }')"
done

gw_stop TERM
rm -rf "$CONV"
