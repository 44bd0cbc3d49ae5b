#!/usr/bin/env bash
# ipp-history.sh - job history (RFC 8011) from the core's JobHistory, asked
# with ipptool (tests/data/ipp/history.test): alice's jobs end every way a
# job ends (released and shredded, cancelled from the CLI, cancelled over
# IPP, failed, expired) and one stays held; Get-Jobs which-jobs=completed
# lists exactly the ended ones with their IPP states (completed 9, canceled
# 7, aborted 8), not-completed only the held one, all both; Get-Job-
# Attributes answers for a purged job with its final state; bob's released
# job is in bob's history and never in alice's, and bob gets
# for alice's ended job (and alice for his).
# JobHistory bounds it: with JobHistory 15s an ended job is listed at once
# (15 s leave room for a slow ipptool run on a loaded machine) and gone once
# the 15 s are over; with JobHistory 0 (the control) no purged job is listed,
# only the failed one whose row is still kept.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
peers_start_cupsd || { echo "FAIL cupsd did not start"; exit 1; }
peers_cups_add_queue done
gw_start "ExpiryInterval 1s" || exit 1
gw user add alice >/dev/null
gw user add bob >/dev/null
APW=$(gw user password alice | tail -1)
BPW=$(gw user password bob | tail -1)
gw printer add lobby "cups://127.0.0.1:$PEERS_CUPS_PORT/done" >/dev/null
gw_make_pdf "$W/doc.pdf" 2 "IPP history test"
head -c 900 "$W/doc.pdf" > "$W/broken.pdf"
TEST="$GW_SOURCE_DIR/tests/data/ipp/history.test"

ipc() { $IPC "$GW_PORT" "$@" 2>&1; }
job_of() { sed -n 's/.*job-id=\([0-9]*\).*/\1/p'; }
submit() {   # submit USER PW FILE: print it, echo the job number
  ipc print --document "$3" --format application/pdf --auth "$1:$2" | job_of
}
state_of() {   # state_of USER NUMBER: the job's state in the CLI's list ("" = no row)
  gw --json job list --user "$1" | python3 -c 'import json, sys
print(next((j["state"] for j in json.load(sys.stdin)["jobs"] if j["number"] == int(sys.argv[1])), ""))' "$2"
}
id_of() {    # id_of USER NUMBER: the job's UUID
  gw --json job list --user "$1" | python3 -c 'import json, sys
print(next((j["id"] for j in json.load(sys.stdin)["jobs"] if j["number"] == int(sys.argv[1])), ""))' "$2"
}
is_state() { test "$(state_of "$1" "$2")" = "$3"; }
not() { ! "$@"; }
gone() { test -z "$(state_of "$1" "$2")"; }
listing() {  # listing USER PW WHICH: "ID:STATE" per listed job, sorted, one line
  (cd "$W" && ipptool -T 20 -t -d which="$3" "ipps://$1:$2@localhost:$GW_PORT/ipp/print" "$TEST") > "$W/list.out" 2>&1
  grep -q '\[PASS\]' "$W/list.out" || { echo "ipptool failed: $(tr '\n' ' ' < "$W/list.out")"; return; }
  awk '/^ *job-id \(integer\) = /{id=$NF} /^ *job-state \(enum\) = /{print id ":" $NF}' "$W/list.out" | sort -n | tr '\n' ' ' | sed 's/ $//'
}
gja() {      # gja USER PW NUMBER [STATE]: ipptool's verdict on Get-Job-Attributes (no STATE: not found)
  local d=(-d gone="$3")
  [ $# -ge 4 ] && d=(-d job="$3" -d state="$4")
  (cd "$W" && ipptool -T 20 -t "${d[@]}" "ipps://$1:$2@localhost:$GW_PORT/ipp/print" "$TEST") > "$W/gja.out" 2>&1
  grep -q '\[PASS\]' "$W/gja.out" && ! grep -q '\[FAIL\]' "$W/gja.out" || { cat "$W/gja.out"; return 1; }
}

# ---- Alice's jobs end every way; bob's one is released -----------------------
P=$(submit alice "$APW" "$W/doc.pdf")
check "a job to release is taken ($P)" test -n "$P"
check "... and held" peers_wait 30 is_state alice "$P" held
check "... released to the printer" gw release --user alice --printer lobby
check "... printed and purged (no row left)" peers_wait 30 gone alice "$P"
B=$(submit bob "$BPW" "$W/doc.pdf")
check "bob's job is held" peers_wait 30 is_state bob "$B" held
check "... and released (printed, purged)" sh -c "'$PRINTGATE' -c '$GW_CONF' release --user bob --printer lobby >/dev/null"
check "... gone from the store" peers_wait 30 gone bob "$B"
X=$(submit alice "$APW" "$W/doc.pdf")
check "a job to cancel from the CLI is held" peers_wait 30 is_state alice "$X" held
check "... cancelled from the CLI (not over IPP)" gw job cancel "$(id_of alice "$X")"
I=$(submit alice "$APW" "$W/doc.pdf")
check "a job to cancel over IPP is held" peers_wait 30 is_state alice "$I" held
check "... Cancel-Job over IPP" sh -c "$IPC $GW_PORT cancel --job-id $I --auth 'alice:$APW' 2>&1 | grep -q 'IPP 0x0000'"
F=$(submit alice "$APW" "$W/broken.pdf")
check "a broken PDF is taken ($F)" test -n "$F"
check "... and fails (its row kept, with the reason)" peers_wait 30 is_state alice "$F" failed
H=$(submit alice "$APW" "$W/doc.pdf")
check "one job stays held" peers_wait 30 is_state alice "$H" held
sed -i '/^Retention /d' "$GW_CONF"; echo "Retention 2s" >> "$GW_CONF"; gw_reload
E=$(submit alice "$APW" "$W/doc.pdf")
check "a job to expire is taken ($E)" test -n "$E"
check "... expires (Retention 2s) and is purged" peers_wait 60 gone alice "$E"
sed -i '/^Retention /d' "$GW_CONF"; gw_reload
check "the held one did not expire (held before the reload)" is_state alice "$H" held

# ---- What each user sees -------------------------------------------------------
DONE=$(printf '%s\n' "$P:completed" "$X:canceled" "$I:canceled" "$F:aborted" "$E:canceled" | sort -n | tr '\n' ' ' | sed 's/ $//')
ALL=$(printf '%s\n' "$P:completed" "$X:canceled" "$I:canceled" "$F:aborted" "$E:canceled" "$H:pending-held" | sort -n | tr '\n' ' ' | sed 's/ $//')
check_eq "alice, which-jobs=completed: printed 9, cancelled 7 (CLI and IPP), failed 8, expired 7" "$(listing alice "$APW" completed)" "$DONE"
check_eq "alice, which-jobs=not-completed: the held one only" "$(listing alice "$APW" not-completed)" "$H:pending-held"
check_eq "alice, which-jobs=all: both" "$(listing alice "$APW" all)" "$ALL"
check_eq "bob, which-jobs=all: his released job only" "$(listing bob "$BPW" all)" "$B:completed"
check "alice, Get-Job-Attributes of her released job: completed" gja alice "$APW" "$P" 9
check "alice, Get-Job-Attributes of her CLI-cancelled job: canceled" gja alice "$APW" "$X" 7
check "alice, Get-Job-Attributes of her expired job: canceled" gja alice "$APW" "$E" 7
check "... with job-canceled-by-operator" grep -q 'job-state-reasons (keyword) = job-canceled-by-operator' "$W/gja.out"
check "bob, Get-Job-Attributes of alice's released job: not found" gja bob "$BPW" "$P"
check "alice, Get-Job-Attributes of bob's released job: not found" gja alice "$APW" "$B"
check "control: ipptool fails a wrong expected state" not gja alice "$APW" "$P" 7
check "control: ipptool fails 'not found' for a job that is there" not gja alice "$APW" "$P"

# ---- JobHistory bounds it --------------------------------------------------------
echo "JobHistory 15s" >> "$GW_CONF"; gw_reload
only_failed() { test "$(listing alice "$APW" completed)" = "$F:aborted"; }
# The last of them ended a few seconds ago: listed until it is 15 s old.
check "JobHistory 15s: the jobs that ended before are no longer listed (the failed row stays)" peers_wait 60 only_failed
check "alice cancels the held one over IPP" sh -c "$IPC $GW_PORT cancel --job-id $H --auth 'alice:$APW' 2>&1 | grep -q 'IPP 0x0000'"
check_eq "... listed at once" "$(listing alice "$APW" completed)" "$(printf '%s\n' "$F:aborted" "$H:canceled" | sort -n | tr '\n' ' ' | sed 's/ $//')"
peers_wait 60 only_failed
check_eq "... and no more once it is 15 s old" "$(listing alice "$APW" completed)" "$F:aborted"
check "... Get-Job-Attributes: not found" gja alice "$APW" "$H"
sed -i '/^JobHistory /d' "$GW_CONF"; echo "JobHistory 0" >> "$GW_CONF"; gw_reload
N=$(submit alice "$APW" "$W/doc.pdf")
check "JobHistory 0: a job is held" peers_wait 30 is_state alice "$N" held
check "... and released (purged)" gw release --user alice --printer lobby
check "... gone from the store" peers_wait 30 gone alice "$N"
check_eq "control, JobHistory 0: an ended job whose row is gone is not listed" "$(listing alice "$APW" all)" "$F:aborted"
check "control, JobHistory 0: Get-Job-Attributes: not found" gja alice "$APW" "$N"

gw_stop TERM
gw_finish
