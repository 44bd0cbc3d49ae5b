#!/usr/bin/env bash
# start-bench.sh - how long printgated takes to start (to "ready") with many
# jobs in the store, beside what reading those jobs costs sqlite3 itself.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/start-bench.sh [JOBS...]
#
# For each JOBS (default 10000 100000): job rows are written into the store
# with the daemon stopped (held, quarantined and failed; rows only, no spool
# files), then printgated is started and the time to its "ready" line is
# taken (median of 3 starts).  The peer is the floor: sqlite3 reading every
# job row and the ids of the keyed documents, the two scans recovery makes,
# on the same database.  Before the keyed ids were read in one walk
# (gwStoreJobKeyedIds()) the start grew with the square of the jobs: 0.4 s
# at 5,000, 2.9 s at 20,000, about 75 s at 100,000.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
COUNTS=("$@"); [ ${#COUNTS[@]} -gt 0 ] || COUNTS=(10000 100000)
median() { sort -n | awk '{a[NR]=$1} END {printf "%s", a[int((NR+1)/2)]}'; }

gw_start "LogLevel info"
gw user add bench >/dev/null
DB="$GW_STATE/printgate.db"
done_jobs=0
printf '%-8s | %-20s | %s\n' "JOBS" "printgated start" "peer: sqlite3 reads the jobs and keyed ids"
for n in "${COUNTS[@]}"; do
  gw_stop
  gw_bulk_jobs $((done_jobs + 1)) "$n" bench
  done_jobs=$n
  starts=$(for r in 1 2 3; do
    t0=$(date +%s%N); gw_restart >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 )); gw_stop
  done | median)
  peer=$(python3 - "$DB" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
runs = []
for _ in range(3):
    t = time.perf_counter()
    db.execute("SELECT * FROM jobs ORDER BY created, seq").fetchall()
    db.execute("SELECT d.job_id FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.num = 1 AND length(d.wrapped_key) = 64 ORDER BY d.job_id").fetchall()
    runs.append((time.perf_counter() - t) * 1000)
print("%.0f" % sorted(runs)[1], end="")
PY
)
  printf '%-8s | %-20s | %s\n' "$n" "$starts ms" "$peer ms"
  gw_restart >/dev/null
done
gw_stop
gw_finish
