#!/usr/bin/env bash
# release-latency.sh - release latency of a 10-page PDF through printgated
# (PIN accepted -> last byte at the printer) beside ipptool sending the same
# file straight to the same ippeveprinter, in one run, alternating.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/release-latency.sh [ROUNDS]
#
# Measured from the CLI's start to its exit in both cases (each side pays one
# process start and one connection); the printer runs "-c /bin/true" so it
# finishes jobs at once.  Prints medians and the ratio (target <= 1.5).
set -u
ROUNDS=${1:-15}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Bench" application/pdf
W=$PEERS_DIR
gw_start "LogLevel info"
gw_make_pdf "$W/ten.pdf" 10 "Release latency benchmark"
gw user add bench >/dev/null
gw printer add bench "ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print" >/dev/null
PIN=$(gw pin new bench)

# Times come from $EPOCHREALTIME (bash 5), so no extra process is timed.
. "$(dirname "$0")/../lib/bench.sh"

: > "$W/gw.ms"; : > "$W/direct.ms"
for r in $(seq "$ROUNDS"); do
  gw job submit --user bench "$W/ten.pdf" >/dev/null
  sleep 0.3
  t0=${EPOCHREALTIME/./}; echo "$PIN" | gw release --pin - --printer bench >/dev/null || echo "release failed" >&2; t1=${EPOCHREALTIME/./}
  echo $(( (t1 - t0) / 100 )) | sed 's/\(.\)$/.\1/' >> "$W/gw.ms"
  sleep 0.3
  cd /usr/share/cups/ipptool
  t0=${EPOCHREALTIME/./}
  ipptool -f "$W/ten.pdf" "ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print" print-job.test >/dev/null || echo "ipptool failed" >&2
  t1=${EPOCHREALTIME/./}
  cd - >/dev/null
  echo $(( (t1 - t0) / 100 )) | sed 's/\(.\)$/.\1/' >> "$W/direct.ms"
done

g=$(median < "$W/gw.ms"); d=$(median < "$W/direct.ms")
echo "10-page PDF ($(stat -c %s "$W/ten.pdf") bytes), $ROUNDS rounds, medians:"
echo "  printgate release (PIN -> printed): ${g} ms   [$(tr '\n' ' ' < "$W/gw.ms")]"
echo "  ipptool print-job direct:           ${d} ms   [$(tr '\n' ' ' < "$W/direct.ms")]"
awk -v g="$g" -v d="$d" 'BEGIN{ r = g / d; printf "  ratio: %.2f (target <= 1.5): %s\n", r, (r <= 1.5 ? "met" : "NOT met") }'
echo "Where the gateway's time goes (from its log, median of the rounds):"
grep -o 'timing: [^)]*' "$GW_LOG" | sed 's/timing: //' | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); s[kv[1]]=s[kv[1]] " " kv[2]}} END{for(k in s) print "  " k ":" s[k]}'
gw_stop TERM
