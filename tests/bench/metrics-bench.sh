#!/usr/bin/env bash
# metrics-bench.sh - what a /metrics scrape costs with many jobs in the
# store, beside what counting the jobs would cost (docs/metrics.md).
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/metrics-bench.sh [JOBS...]
#
# For each JOBS (default 10000 100000): jobs are written into the store
# while printgated runs (the triggers keep the totals as the daemon's own
# transitions do; no restart, whose recovery scan is slow with 100,000
# jobs), then
# 50 scrapes: the daemon's time per scrape (its debug log line) and curl's
# (a new TLS connection each), and the peer: "SELECT state, count(*) FROM
# jobs GROUP BY state" (what the scrape would run without the totals) and
# the totals' own query, timed in sqlite3 on the same database.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
COUNTS=("$@"); [ ${#COUNTS[@]} -gt 0 ] || COUNTS=(10000 100000)

median() { sort -n | awk '{a[NR]=$1} END {printf "%s", a[int((NR+1)/2)]}'; }
sql_ms() {   # sql_ms DB QUERY: median ms of 50 runs on one connection (Python's sqlite3)
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
runs = []
for _ in range(50):
    t = time.perf_counter(); db.execute(sys.argv[2]).fetchall(); runs.append((time.perf_counter() - t) * 1000)
print("%.3f" % sorted(runs)[len(runs) // 2], end="")
PY
}

gw_start "MetricsAllow 127.0.0.1"
gw user add bench >/dev/null
done_jobs=0
printf '%-8s | %-22s | %-18s | %-22s | %s\n' "JOBS" "scrape in printgated" "scrape with curl" "peer: count(*) by state" "totals query"
for n in "${COUNTS[@]}"; do
  add=$((n - done_jobs))
  gw_bulk_jobs $((done_jobs + 1)) "$n" bench
  done_jobs=$n
  [ "$add" -gt 0 ] || continue
  url="https://127.0.0.1:$GW_PORT/metrics"
  curl_ms=$(for _ in $(seq 50); do curl -sk -o /dev/null -w '%{time_total}\n' "$url"; done | median | awk '{printf "%.1f", $1 * 1000}')
  daemon_ms=$(grep 'Metrics: ' "$GW_LOG" | tail -50 | sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' | median)
  peer_ms=$(sql_ms "$GW_STATE/printgate.db" "SELECT state, count(*) FROM jobs GROUP BY state;")
  totals_ms=$(sql_ms "$GW_STATE/printgate.db" "SELECT name, value FROM store_totals;")
  check_eq "$n jobs: all counted" "$(curl -sk "$url" | awk '/^printgate_jobs\{/ {n += $2} END {print n}')" "$n" >/dev/null
  printf '%-8s | %-22s | %-18s | %-22s | %s\n' "$n" "$daemon_ms ms" "$curl_ms ms" "$peer_ms ms" "$totals_ms ms"
done
gw_stop
gw_finish
