#!/usr/bin/env bash
# rss.sh - printgated's resident memory idle and with 10,000 held jobs,
# beside a private cupsd (idle) in the same run.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/rss.sh [JOBS]
#
# Targets: under 20 MB idle, under 40 MB with 10,000 held jobs.
set -u
JOBS=${1:-10000}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }

gw_start "LogLevel warn" "MaxHeldJobsPerUser 100000" "Retention 1d"
sleep 1
idle=$(rss_kb "$GW_PID")
gw user add bench >/dev/null
gw_make_pdf "$W/one.pdf" 1 "RSS benchmark"
t0=$(date +%s)
"$GW_TOOLS/gw-submit" --count "$JOBS" "$GW_STATE/printgated.sock" bench "$W/one.pdf" >/dev/null || echo "submission failed" >&2
t1=$(date +%s)
held=$(gw --json status | gw_json_field held_jobs)
sleep 1
loaded=$(rss_kb "$GW_PID")
gw job list >/dev/null
listed=$(rss_kb "$GW_PID")
peak=$(hwm_kb "$GW_PID")

peers_start_cupsd >/dev/null 2>&1
sleep 1
cups=$(rss_kb "$PEERS_CUPS_PID")

echo "printgated RSS: idle $((idle / 1024)).$(( (idle % 1024) * 10 / 1024 )) MB (target < 20 MB)"
echo "printgated RSS: $held held jobs $((loaded / 1024)).$(( (loaded % 1024) * 10 / 1024 )) MB, after listing them all $((listed / 1024)).$(( (listed % 1024) * 10 / 1024 )) MB, peak $((peak / 1024)) MB (target < 40 MB)"
echo "submitted $JOBS jobs in $((t1 - t0)) s"
echo "peer: private cupsd idle RSS: $cups kB"
gw_stop TERM
