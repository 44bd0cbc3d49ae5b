#!/usr/bin/env bash
# ring-bench.sh - what the intake ring (docs/spool-format.md, "The intake
# ring") does to IPP intake: printgated with IntakeRing on and off, in turns,
# each run from the same saved state, 100 KB PDFs over TLS with gw-ipp-load.
# The saved state has a ring prepared ahead to RINGMB (default 1024: a 5 s run
# at 8 clients fits), as a gateway that has taken bursts before has it; the
# "off" runs ignore it.  Per run: jobs/s, p50/p99, and from /proc the disk's
# cache flushes and the daemon's CPU per job.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/ring-bench.sh [ROUNDS] [SECS] [CLIENTS]
#
# The ring file is written here the way the daemon's preparer writes it
# (spool-ring.c: a header block "PGRING1\n" + the prepared size, then zeros),
# so the runs measure the steady state, not the ring's growth.
set -u
ROUNDS=${1:-3}; SECS=${2:-5}; N=${3:-8}; RINGMB=${RINGMB:-1024}
cd "$GW_SOURCE_DIR" || exit 1
. tests/lib/bench.sh; . tests/lib/peers.sh; . tests/lib/gateway.sh
peers_init
W=$PEERS_DIR
LOAD="$GW_TOOLS/gw-ipp-load"
gw_make_marked_pdf "$W/100k.pdf" 102000 "ab"
disk() { awk -v dev="${DISK:-vda}" '$3==dev{print $8, $10, $19}' /proc/diskstats; }   # DISK: the block device under the state folder
gw_start "LogLevel ${LOGLEVEL:-warn}" "ConversionQueue 10000" "MaxHeldJobsPerUser 100000" "MaxConnections 512" "ConversionWorkers 2" "IntakeRing ${RINGMB}M"
gw user add ab >/dev/null
AUTH="ab:$(gw user password ab | tail -1)"
gw_stop
# A ring prepared to RINGMB: header (magic, prepared size), then zeros.
python3 - "$GW_STATE/spool/intake.ring" "$RINGMB" <<'PY'
import sys, os
p, mb = sys.argv[1], int(sys.argv[2])
size = mb * 1024 * 1024
fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 0)
zero = bytes(1 << 20)
for i in range(mb):
    os.pwrite(fd, zero, i << 20)
hdr = b"PGRING1\n" + size.to_bytes(8, "big") + bytes(4096 - 16)
os.pwrite(fd, hdr, 0)
os.fsync(fd)
os.close(fd)
PY
rm -rf "$W/template"; cp -a "$GW_STATE" "$W/template"; sync
declare -A RES
for round in $(seq "$ROUNDS"); do
  order="on off"; [ $((round % 2)) = 0 ] && order="off on"
  for mode in $order; do
    v=${RINGMB}M; [ "$mode" = off ] && v=0
    rm -rf "$GW_STATE"; cp -a "$W/template" "$GW_STATE"; sync; sleep 2
    sed -i "s/^IntakeRing .*/IntakeRing $v/" "$GW_CONF"; : > "$GW_LOG"; gw_restart
    GW_URI="ipps://127.0.0.1:$GW_PORT/ipp/print"
    "$LOAD" --tls --jobs 1 --auth "$AUTH" "$GW_URI" "$W/100k.pdf" >/dev/null 2>&1
    sleep 6
    d0=($(disk)); c0=$(awk '{print $14+$15}' /proc/$GW_PID/stat)
    out=$("$LOAD" --clients "$N" --seconds "$SECS" --tls --auth "$AUTH" "$GW_URI" "$W/100k.pdf" 2>&1 | tail -1)
    d1=($(disk)); c1=$(awk '{print $14+$15}' /proc/$GW_PID/stat)
    jobs=$(sed -n 's/.* jobs=\([0-9]*\).*/\1/p' <<<"$out")
    echo "round $round $mode: $out MB=$(( (d1[1]-d0[1]) / 2048 )) flush/job=$(awk -v f=$((d1[2]-d0[2])) -v j=$jobs 'BEGIN{printf "%.2f", f/j}') cpu_ms/job=$(awk -v c=$((c1-c0)) -v j=$jobs 'BEGIN{printf "%.2f", c*10/j}')"
    RES[$mode]="${RES[$mode]:-} $(sed -n 's/.*jobs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")"
    gw_stop
    grep -i "intake ring" "$GW_LOG" | tail -2
  done
done
echo "on: ${RES[on]}"
echo "off:${RES[off]}"
