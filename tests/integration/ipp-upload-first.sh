#!/usr/bin/env bash
# ipp-upload-first.sh - conversions give way to arriving uploads, for 5 s at
# most (docs/converters.md, "Uploads first").  One client sends a one-page
# PDF by Print-Job (TLS, Basic) every 90 ms for 20 s.  The daemon counts
# uploads as arriving when one began or ended in the last 100 ms; on a
# loaded CI machine a gap between two of the test's uploads could pass that,
# so the test lengthens it to 2 s (PRINTGATE_TEST_UPLOAD_QUIET_MS) and the
# stream always counts as arriving; the 5 s bound is the daemon's own:
# - 2.5 s in, none of its jobs is held yet: their conversions wait while
#   uploads keep arriving (on the old code the first ones were held within a
#   second);
# - 14 s in, the stream still going, jobs are held: a client that never
#   pauses cannot hold conversions back for more than 5 s each (the way
#   round the rule an attacker would try);
# - once the stream ends every job it sent is held (none failed, none
#   stuck), and /metrics counts the deferred conversions.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
LOAD="$GW_TOOLS/gw-ipp-load"
# ConversionQueue 10000: the rule yields once half the queue waits (so that
# it never makes uploads be refused as busy sooner); the stream must not
# reach that here.
export PRINTGATE_TEST_UPLOAD_QUIET_MS=2000
gw_start "ConversionQueue 10000" "MaxHeldJobsPerUser 1000" "MetricsAllow 127.0.0.0/8" || exit 1
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)
gw_make_pdf "$W/doc.pdf" 1 "Uploads first"
count_state() {   # count_state STATE: alice's jobs in that state
  gw --json job list --user alice | python3 -c 'import json, sys
print(sum(1 for j in json.load(sys.stdin)["jobs"] if j["state"] == sys.argv[1]))' "$1"
}
metric() { curl -sk "https://127.0.0.1:$GW_PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

check_eq "no conversion deferred before" "$(metric printgate_conversions_deferred_total)" "0"
start=$(date +%s.%N)
"$LOAD" --tls --clients 1 --seconds 20 --interval 90 --auth "alice:$APW" \
  "ipps://127.0.0.1:$GW_PORT/ipp/print" "$W/doc.pdf" > "$W/load.out" 2>&1 &
LOAD_PID=$!
peers_track "$LOAD_PID"
at() {   # at SECONDS: sleep until that long after the stream's start
  sleep "$(awk -v s="$start" -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { d = s + t - n; print (d > 0 ? d : 0) }')"
}

at 2.5
EARLY_HELD=$(count_state held)
EARLY_WAIT=$(count_state converting)
check_eq "2.5 s into the stream: no job held yet ($EARLY_WAIT converting)" "$EARLY_HELD" "0"
check "  and jobs are waiting for their conversion" test "$EARLY_WAIT" -gt 0

at 14
MID_HELD=$(count_state held)
check "14 s in, the stream still going" kill -0 "$LOAD_PID"
check "  jobs are held all the same ($MID_HELD): a deferral ends after 5 s" test "$MID_HELD" -gt 0

wait "$LOAD_PID"
sed 's/^/  load: /' "$W/load.out"
JOBS=$(sed -n 's/.*jobs=\([0-9]*\).*/\1/p' "$W/load.out")
check "the stream sent jobs without an error" grep -q 'errors=0' "$W/load.out"
settled() { [ "$(count_state converting)" = 0 ] && [ "$(count_state receiving)" = 0 ]; }
check "every job converted afterwards" peers_wait 240 settled
# The load's warm-up job is an upload too (untimed): JOBS + 1.
check_eq "every job held (none failed)" "$(count_state held) $(count_state failed)" "$((JOBS + 1)) 0"
DEFERRED=$(metric printgate_conversions_deferred_total)
check "/metrics counts the deferred conversions ($DEFERRED)" test "${DEFERRED:-0}" -gt 0
gw_finish
