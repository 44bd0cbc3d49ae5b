#!/usr/bin/env bash
# ipp-conformance.sh - the gateway's IPP Everywhere server against CUPS's
# own conformance files (cups-ipp-utils): ipptool -t with ipp-1.1.test,
# ipp-2.0.test and ipp-everywhere.test over IPPS with a test user.
#
# "Get-Job-Attributes Until Job Complete" waits for the job it printed to
# complete; a gateway job is held until its owner releases it, so a loop in
# the background releases the user's held jobs to a private cupsd queue
# (the same release a person does at a printer), and the job completes.
# With the default KeepPrintedJobs no the printed job is shredded at once and
# answered from the core's job history (JobHistory); the control sets
# JobHistory 0 and that test fails with client-error-not-found.
# Every test of every file must pass: the PASS/FAIL counts are printed, and
# any [FAIL] fails this test (the failing lines are shown).
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
peers_start_cupsd
peers_cups_add_queue done
gw_start
gw user add alice >/dev/null
PW=$(gw user password alice | tail -1)
gw printer add lobby "cups://127.0.0.1:$PEERS_CUPS_PORT/done" >/dev/null
gw_make_pdf "$W/sample.pdf" 2 "IPP conformance"
URI="ipps://alice:$PW@localhost:$GW_PORT/ipp/print"

# The owner releases whatever is held, as a person at the printer would.
( while :; do "$PRINTGATE" -c "$GW_CONF" release --user alice --printer lobby >/dev/null 2>&1; sleep 0.5; done ) &
peers_track $!
sleep 1                                 # printer-up-time must be > 0

for t in ipp-1.1 ipp-2.0 ipp-everywhere; do
  v=2.0; [ $t = ipp-1.1 ] && v=1.1
  (cd /usr/share/cups/ipptool && timeout 300 ipptool -V $v -t -f "$W/sample.pdf" "$URI" $t.test) > "$W/$t.out" 2>&1
  pass=$(grep -c '\[PASS\]' "$W/$t.out"); fail=$(grep -c '\[FAIL\]' "$W/$t.out")
  echo "$t.test: $pass PASS, $fail FAIL, $(grep -c '\[SKIP\]' "$W/$t.out") SKIP"
  check "$t.test ran its tests" test "$pass" -gt 10
  check_eq "$t.test: no test fails" "$fail" 0
  [ "$fail" -eq 0 ] || grep -A8 '\[FAIL\]' "$W/$t.out" | sed 's/^/    /' | head -60
done

# Positive control: the same suite against a gateway URI without credentials must fail.
(cd /usr/share/cups/ipptool && timeout 120 ipptool -V 2.0 -t -f "$W/sample.pdf" "ipps://localhost:$GW_PORT/ipp/print" ipp-1.1.test) > "$W/noauth.out" 2>&1
check "control: without credentials Print-Job fails" grep -q 'Print-Job.*\[FAIL\]' "$W/noauth.out"

check "jobs landed for alice and were released" sh -c "$PRINTGATE -c $GW_CONF audit | grep -q job.print"

# Control: without the job history a printed (shredded) job is not found.
# tests/data/ipp/print-and-wait.test is ipp-1.1.test's Print-Job and wait
# for the job to end (a try a second, at most 20), without the rest of the suite
# (which took two minutes more once the wait had failed).  With the history
# it passes (the first run), without it the wait fails: not found.
# The wait that must pass gets 120 tries: under a loaded CI (ASan, eight suites
# at once) the job sat 10 s behind the suites' own jobs and took 11 s to be held,
# so 20 tries ran out; it stops at the first ended state anyway.  The control that
# must fail keeps 20 (each try of a missing job costs a second).
WAIT_TEST="$GW_SOURCE_DIR/tests/data/ipp/print-and-wait.test"
sed 's/REPEAT-LIMIT 20$/REPEAT-LIMIT 120/' "$WAIT_TEST" > "$W/print-and-wait-long.test"
check "the long wait has 120 tries" grep -q 'REPEAT-LIMIT 120$' "$W/print-and-wait-long.test"
timeout 300 ipptool -V 1.1 -t -f "$W/sample.pdf" "$URI" "$W/print-and-wait-long.test" > "$W/history.out" 2>&1
check "control: with the job history, the wait for the job to end passes" sh -c "grep -q 'until the job has ended.*\[PASS\]' '$W/history.out' && ! grep -q '\[FAIL\]' '$W/history.out'"
echo "JobHistory 0" >> "$GW_CONF"; gw_reload
timeout 300 ipptool -V 1.1 -t -f "$W/sample.pdf" "$URI" "$WAIT_TEST" > "$W/nohistory.out" 2>&1
check "control: with JobHistory 0, the wait for the job to end fails: not found" sh -c "grep -A3 'until the job has ended.*\[FAIL\]' '$W/nohistory.out' | grep -q client-error-not-found"
gw_finish
