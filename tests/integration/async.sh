#!/usr/bin/env bash
# async.sh - conversion off the receiving thread, on the core worker pool:
#  1. a submission is answered as soon as its document is stored (job
#     converting), and the outcome follows;
#  2. with the one worker busy and the queue full, a new submission is
#     refused "server-busy" before its bytes are taken, and nothing of it is
#     kept; once the queue drains, submissions are taken again;
#  3. a conversion that fails (timeout) fails only its own job: the one
#     queued behind it is held;
#  4. an unknown user and a bad option get their own reasons;
#  5. a stop (SIGTERM) with one conversion running and one queued: the
#     running one is stopped (the daemon does not wait for its timeout),
#     the queued one is not started, and the next start converts both
#     (nothing lost), also after a second stop while they run again.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

# ConversionTimeout ends the endless documents: 30 s, so that everything done while one holds the
# worker (a queued submission, a job list, a third submission) and every good document's conversion
# (small PDFs: 1-4 s under the sanitizers on a loaded CI machine) fits with room to spare (at 4 s
# they did not always).  Not more: each endless document burns a CPU (at nice 10) until it ends.
gw_start "ConversionWorkers 1" "ConversionQueue 1" "ConversionTimeout 30s"
gw user add erin >/dev/null
SOCK="$GW_STATE/printgated.sock"
LOOP="$GW_SOURCE_DIR/tests/data/convert/endless-loop.ps"
gw_make_pdf "$W/two.pdf" 2 "Queued behind a slow one"
gw_make_pdf "$W/one.pdf" 1 "Refused while busy"

submit() {   # submit FILE [USER]: gw-submit --no-wait; prints the reply line
  "$GW_TOOLS/gw-submit" --no-wait "$SOCK" "${2:-erin}" "$1" 2>&1
}
job_of() { sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1; }
state_of() { gw --json job show "$1" | gw_json_field state; }
helper_running() { test -n "$(ps -o pid= --ppid "$GW_PID")"; }

# 1. + 2. + 3.
R1=$(submit "$LOOP"); J1=$(echo "$R1" | job_of)
check "a slow document is answered at once, converting ($R1)" sh -c "echo '$R1' | grep -q '\"state\": *\"converting\"'"
check "its conversion runs on the worker" peers_wait 30 helper_running
R2=$(submit "$W/two.pdf"); J2=$(echo "$R2" | job_of)
check "a second one is stored and queued ($R2)" sh -c "echo '$R2' | grep -q '\"state\": *\"converting\"'"
jobs_before=$(gw --json job list | grep -c '"id"')
spool_before=$(find "$GW_STATE/spool" -name '*.pgs' -type f | wc -l)
R3=$(submit "$W/one.pdf")
check "a third, with the worker busy and the queue full, is refused server-busy ($R3)" sh -c "echo '$R3' | grep -q '\"reason\": *\"server-busy\"'"
check_eq "nothing of the refused one is kept (jobs)" "$(gw --json job list | grep -c '"id"')" "$jobs_before"
check_eq "nothing of the refused one is kept (spool files)" "$(find "$GW_STATE/spool" -name '*.pgs' -type f | wc -l)" "$spool_before"
check "the slow one fails on its own (conversion-timeout)" peers_wait 120 sh -c "gw() { '$PRINTGATE' -c '$GW_CONF' \"\$@\"; }; gw --json job show $J1 | grep -q '\"reason\": \"conversion-timeout\"'"
check "the one queued behind it is held" peers_wait 60 sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show $J2 | grep -q '\"state\": \"held\"'"
check_eq "with 2 pages" "$(gw --json job show "$J2" | gw_json_field pages)" "2"
check "once the queue drains, a submission is taken again" sh -c "'$GW_TOOLS/gw-submit' '$SOCK' erin '$W/one.pdf' | grep -q '\"state\": *\"held\"'"

# 4. reasons of their own
check "an unknown user: unknown-user" sh -c "'$GW_TOOLS/gw-submit' '$SOCK' nobody-here '$W/one.pdf' | grep -q '\"reason\": *\"unknown-user\"'"
gw job submit --user erin --copies 5000 "$W/one.pdf" > "$W/badopt.out" 2>&1
check "a bad option: bad-option ($(cat "$W/badopt.out"))" grep -q 'Copies must be between 1 and 999. \[bad-option\]' "$W/badopt.out"

# 5. a stop with a conversion queued: converted at the next start
R4=$(submit "$LOOP"); J4=$(echo "$R4" | job_of)
peers_wait 30 helper_running
R5=$(submit "$W/two.pdf"); J5=$(echo "$R5" | job_of)
check "before the stop: one converting on the worker, one queued" sh -c "echo '$R5' | grep -q '\"state\": *\"converting\"'"
T0=$(date +%s)
gw_stop TERM
check_eq "the daemon stopped cleanly" "$GW_STATUS" "0"
# 15 s: room for a slow stop under the sanitizers, and well below the 30 s a wait for the timeout takes.
check "at once, not after the running conversion's 30 s timeout ($(( $(date +%s) - T0 )) s)" test $(( $(date +%s) - T0 )) -le 15
check "the running conversion was stopped for the next start" grep -q "Job $J4 of erin: the gateway is stopping; its conversion was stopped and runs again at the next start" "$GW_LOG"
# The queued one is either still queued at the stop or just taken by the worker the stop freed: both
# leave it for the next start (never failed); the restart below shows it converted.
check "the queued job was left for the next start" grep -Eq "Job $J5 of erin: the gateway is stopping; (it will be converted|its conversion was stopped and runs again) at the next start" "$GW_LOG"
check "and not failed" sh -c "! grep -q 'Job $J5 of erin: failed' '$GW_LOG'"
# A second clean stop while both run again (an admin restarting twice): a
# clean stop is no crash, so neither uses up its one retry after a crash
# (docs/store.md): both are converted again at the next start.
gw_restart
check "after the restart, a conversion runs again" peers_wait 30 helper_running
gw_stop TERM
check_eq "stopped cleanly a second time" "$GW_STATUS" "0"
gw_restart
check "after the second restart neither job failed as interrupted" sh -c "! grep -Eq 'Job ($J4|$J5) of erin: failed|Recovery: job ($J4|$J5) ' '$GW_LOG'"
# After the restart the worker may take the endless one first: the queued one waits its 30 s.
check "after the restart, the queued job is converted and held" peers_wait 120 sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show $J5 | grep -q '\"state\": \"held\"'"
check "and its original is gone" sh -c "test -z \"\$(find '$GW_STATE/spool' -name '$J5-0.pgs')\""
check "the stopped one ran again and ended by its own timeout" peers_wait 120 sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show $J4 | grep -q '\"reason\": \"conversion-timeout\"'"

gw_stop TERM
gw_finish
