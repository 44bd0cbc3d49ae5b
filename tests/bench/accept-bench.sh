#!/usr/bin/env bash
# accept-bench.sh - how long a client waits before its document is accepted
# (submission Begin -> End returns, the document encrypted and fsync'd in the
# spool, its key committed in the store, the job converting), beside what
# storing the same bytes durably costs without the gateway: cp + fsync of
# the same file into the same file system.  Also the whole round trip
# (accepted and converted to held) for scale.  In one run, alternating.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/accept-bench.sh [ROUNDS] [MB]
#
# The gateway side is timed from gw-submit's start to its exit (process
# start, socket connect, 1 MB through the control socket, End); the peer
# side from dd's start to its exit (process start, copy, fsync).
set -u
ROUNDS=${1:-15}
MB=${2:-1}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
gw_start "LogLevel info" "MaxHeldJobsPerUser 100000"
gw user add bench >/dev/null
SOCK="$GW_STATE/printgated.sock"

# A PDF of about MB megabytes (one page; the rest is an uncompressed stream).
gw_make_marked_pdf "$W/doc.pdf" $((MB * 1024 * 1024)) "accept-bench"
SIZE=$(stat -c %s "$W/doc.pdf")

. "$(dirname "$0")/../lib/bench.sh"
ms() { echo $(( ($2 - $1) / 100 )) | sed 's/^\(.\)$/0\1/; s/\(.\)$/.\1/'; }

: > "$W/accept.ms"; : > "$W/cp.ms"; : > "$W/held.ms"
for r in $(seq "$ROUNDS"); do
  t0=${EPOCHREALTIME/./}
  "$GW_TOOLS/gw-submit" --no-wait "$SOCK" bench "$W/doc.pdf" | grep -q '"state":"converting"' || echo "submit not accepted" >&2
  t1=${EPOCHREALTIME/./}
  ms "$t0" "$t1" >> "$W/accept.ms"
  sleep 0.5                                         # its conversion runs meanwhile

  t0=${EPOCHREALTIME/./}
  dd if="$W/doc.pdf" of="$GW_STATE/spool/bench-copy" bs=64k conv=fsync status=none
  t1=${EPOCHREALTIME/./}
  ms "$t0" "$t1" >> "$W/cp.ms"
  rm -f "$GW_STATE/spool/bench-copy"

  t0=${EPOCHREALTIME/./}
  "$GW_TOOLS/gw-submit" "$SOCK" bench "$W/doc.pdf" | grep -q '"state":"held"' || echo "submit not held" >&2
  t1=${EPOCHREALTIME/./}
  ms "$t0" "$t1" >> "$W/held.ms"
done

a=$(median < "$W/accept.ms"); c=$(median < "$W/cp.ms"); h=$(median < "$W/held.ms")
echo "${MB} MB PDF ($SIZE bytes), $ROUNDS rounds, medians:"
echo "  accepted (Begin -> End returns, converting): ${a} ms   [$(tr '\n' ' ' < "$W/accept.ms")]"
echo "  cp + fsync of the same bytes (dd conv=fsync): ${c} ms   [$(tr '\n' ' ' < "$W/cp.ms")]"
echo "  accepted and converted (held):               ${h} ms   [$(tr '\n' ' ' < "$W/held.ms")]"
awk -v a="$a" -v c="$c" -v h="$h" 'BEGIN{ printf "  ratio accepted / cp+fsync: %.2f; held / accepted: %.1f\n", a / c, h / a }'
echo "Where acceptance goes (commit= in the daemon's held lines, ms):"
grep -o 'commit=[0-9.]*' "$GW_LOG" | sed 's/commit=//' | sort -n | awk '{a[NR]=$1} END{ if (NR) printf "  median %s, min %s, max %s\n", a[int((NR+1)/2)], a[1], a[NR] }'
gw_stop TERM
