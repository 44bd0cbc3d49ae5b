#!/usr/bin/env bash
# release.sh - end to end through printgated against a real ippeveprinter:
# submit, PIN, release (exact bytes arrive), printer down (job stays held
# with a reason), corrupt and non-PDF documents refused with their reasons,
# PIN lockout, card release, another user's job, expiry removing the job,
# its spool file and its wrapped key.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Test" application/pdf
PRN_PORT=$PEERS_IPP_PORT PRN_DIR=$PEERS_IPP_DIR PRN_PID=$PEERS_IPP_PID

gw_start "Retention 1h" "ExpiryInterval 1s" "PinMaxFailures 3" "PinLockout 30s"
W=$PEERS_DIR

gw_make_pdf "$W/doc.pdf" 3 "Release test"
head -c 4096 /dev/urandom > "$W/blob.bin"
head -c 900 "$W/doc.pdf" > "$W/broken.pdf"
: > "$W/empty.pdf"

check "user add" gw user add alice --email Alice@Example.org
check "user add bob" gw user add bob
check "printer add" gw printer add lobby "ipp://127.0.0.1:$PRN_PORT/ipp/print"
check "printer check: reachable and takes PDF" gw printer check lobby
check "address pending" sh -c "$PRINTGATE -c $GW_CONF user list | grep -q 'alice@example.org (pending)'"
check "address verify" gw address verify alice@example.org
check "address verified by cli user" sh -c "$PRINTGATE -c $GW_CONF --json address list | grep -q '\"verified_by\": \"cli:'"

JOB=$(gw job submit --user alice "$W/doc.pdf")
check "submit prints a job id" sh -c "echo '$JOB' | grep -Eq '^[0-9a-f-]{36}$'"
check "job is held with 3 pages" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"state\": \"held\"' && $PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"pages\": 3'"
check "spool file exists" test -f "$GW_STATE/spool/jobs/$JOB-1.pgs"

PIN=$(gw pin new alice)
check "pin has 6 digits" sh -c "echo '$PIN' | grep -Eq '^[0-9]{6}$'"

# Release: the printer gets the held PDF (the converter's normalised form of
# what was sent: same pages, same text).
check "release by PIN" gw release --pin "$PIN" --printer lobby
sleep 1
GOT=$(ls -t "$PRN_DIR"/*.pdf 2>/dev/null | head -1)
check "printer received a file" test -n "$GOT"
check "printer received the held PDF of the document" gw_same_pdf "$W/doc.pdf" "$GOT"
check "printed job removed (spool file gone)" test ! -e "$GW_STATE/spool/jobs/$JOB-1.pgs"
check "printed job removed (row gone)" sh -c "! $PRINTGATE -c $GW_CONF job show $JOB"
check "audit has the release with pages" sh -c "$PRINTGATE -c $GW_CONF --json audit | grep -A8 '\"action\": \"job.print\"' | grep -q '\"pages\": 3'"

# Refusals with reasons.
out=$(gw job submit --user alice "$W/blob.bin" 2>&1); rc=$?
check "unknown format refused" test $rc -ne 0
check "unknown format reason names the file and the formats" sh -c "echo \"$out\" | grep -q 'unsupported-format' && echo \"$out\" | grep -q 'blob.bin: this file type cannot be printed; the gateway prints PDF, PostScript'"
out=$(gw job submit --user alice "$W/broken.pdf" 2>&1); rc=$?
check "corrupt PDF refused" test $rc -ne 0
check "corrupt PDF reason" sh -c "echo \"$out\" | grep -q 'corrupt-document'"
out=$(gw job submit --user alice "$W/empty.pdf" 2>&1); rc=$?
check "empty file refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'empty-document'"
check "refused documents left no spool files" sh -c "test -z \"\$(find $GW_STATE/spool -name '*.pgs' -type f)\""
# Over MaxDocumentSize (lowered by a reload): refused before a byte is stored.
echo "MaxDocumentSize 1M" >> "$GW_CONF"; gw_reload
head -c 2500000 /dev/urandom > "$W/big.pdf"
out=$(gw job submit --user alice "$W/big.pdf" 2>&1); rc=$?
check "a document over MaxDocumentSize is refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'too-large' && echo \"$out\" | grep -q 'limit of 1 MB'"
check "nothing of it was stored" sh -c "test -z \"\$(find $GW_STATE/spool -name '*.pgs' -type f)\""
check "the refusal is audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep job.refuse | grep -q too-large"
sed -i '/^MaxDocumentSize/d' "$GW_CONF"; gw_reload
out=$(gw job submit --user alice --copies 1000 "$W/doc.pdf" 2>&1); rc=$?
check "1000 copies refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'Copies must be between 1 and 999'"
out=$(gw job submit --user alice --sides sideways "$W/doc.pdf" 2>&1); rc=$?
check "unknown sides refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'Sides must be'"
out=$(gw job submit --user nobody "$W/doc.pdf" 2>&1); rc=$?
check "unknown user refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'No active user'"

# Another user's job cannot be released with my PIN.
BOBJOB=$(gw job submit --user bob "$W/doc.pdf")
out=$(gw release --pin "$PIN" --printer lobby --job "$BOBJOB" 2>&1); rc=$?
check "other user's job not released" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'has no held job'"
check "bob's job still held" sh -c "$PRINTGATE -c $GW_CONF --json job show $BOBJOB | grep -q '\"state\": \"held\"'"

# Card release.
check "card set" gw card set bob 04A1B2C3D4
check "release by card" gw release --card 04A1B2C3D4 --printer lobby

# Lockout after 3 wrong PINs at one printer: then even the right PIN waits.
# PinLockout is both the window the failures count in and the lock's length
# (whole seconds): 30 s, so that no CLI run below has to beat it on a loaded
# machine.  The lock's length is read from the store, and its end is not
# waited for: it is moved into the past there, as time would.
DB="$GW_STATE/printgate.db"
JOB2=$(gw job submit --user alice "$W/doc.pdf")
BAD=$(printf '%06d' $(( (10#$PIN + 1) % 1000000 )))
T0=$(date +%s)
for i in 1 2 3; do gw release --pin "$BAD" --printer lobby >/dev/null 2>&1; done
T1=$(date +%s)
out=$(gw release --pin "$PIN" --printer lobby 2>&1); rc=$?
check "locked out after 3 failures" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'Too many wrong'"
check "audit records PIN failures" sh -c "$PRINTGATE -c $GW_CONF audit | grep -c pin.fail | grep -q 3"
UNTIL=$(sqlite3 "$DB" "SELECT locked_until FROM lockouts WHERE source = 'printer:lobby'")
check "locked for PinLockout from the third failure ($UNTIL in $((T0 + 30))..$((T1 + 30)))" sh -c "test '$UNTIL' -ge $((T0 + 30)) && test '$UNTIL' -le $((T1 + 30))"
sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE lockouts SET locked_until = strftime('%s', 'now') - 1 WHERE locked_until > 0"
check "lock ends after PinLockout (its end moved into the past)" gw release --pin "$PIN" --printer lobby --job "$JOB2"

# The interleaving attack through the daemon: wrong, wrong, one's own right
# PIN, wrong -> the third failure locks (a right PIN forgives nothing), and
# then the right PIN is refused too, until an admin clears the lock.
for i in 1 2; do gw release --pin "$BAD" --printer lobby >/dev/null 2>&1; done
out=$(echo "$PIN" | gw release --pin - --printer lobby 2>&1)
check "interleave: own right PIN is accepted (nothing held)" sh -c "echo \"$out\" | grep -q 'alice has no held jobs'"
check "--pin - gives no command-line warning" sh -c "! echo \"$out\" | grep -q warning"
out=$(gw release --pin "$BAD" --printer lobby 2>&1)
check "interleave: the third failure still reaches the lookup" sh -c "echo \"$out\" | grep -q 'PIN not recognised'"
check "a PIN on the command line earns a warning" sh -c "echo \"$out\" | grep -q 'warning: a PIN given on the command line can be read by other processes'"
out=$(echo "$PIN" | gw release --pin - --printer lobby 2>&1); rc=$?
check "interleave: locked at the limit, the right PIN is refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'Too many wrong PINs or cards at printer lobby'"
check "lockout list shows the locked printer" sh -c "$PRINTGATE -c $GW_CONF lockout list | grep 'printer:lobby' | grep -qv ' -\$'"
check "lockout clear" gw lockout clear
out=$(echo "$PIN" | gw release --pin - --printer lobby 2>&1)
check "after lockout clear the right PIN works" sh -c "echo \"$out\" | grep -q 'alice has no held jobs'"
check "the clear is audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep -q lockout.clear"

# Keep for reprint: a printed job stays (file and key) until ReprintRetention, can be printed again, and cancelled.
echo "KeepPrintedJobs yes" >> "$GW_CONF"
gw_reload
JOBK=$(gw job submit --user alice "$W/doc.pdf")
check "kept: release" gw release --pin "$PIN" --printer lobby
check "kept: job is printed and still listed" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOBK | grep -q '\"state\": \"printed\"'"
check "kept: spool file kept" test -f "$GW_STATE/spool/jobs/$JOBK-1.pgs"
check "kept: reprint by job id" gw release --pin "$PIN" --printer lobby --job "$JOBK"
check "kept: printed twice" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOBK | grep -q '\"print_count\": 2'"
check "kept: release-all does not reprint kept jobs" sh -c "! $PRINTGATE -c $GW_CONF release --pin $PIN --printer lobby"
check "kept: cancel" gw job cancel "$JOBK"
check "kept: cancelled job's file removed" test ! -e "$GW_STATE/spool/jobs/$JOBK-1.pgs"
sed -i '/^KeepPrintedJobs/d' "$GW_CONF"
gw_reload

# Printer down: the job goes back to held with a reason.
JOB3=$(gw job submit --user alice "$W/doc.pdf")
peers_stop "$PRN_PID"
check "printer check: a stopped printer is reported" sh -c "! $PRINTGATE -c $GW_CONF printer check lobby"
out=$(gw release --pin "$PIN" --printer lobby 2>&1); rc=$?
check "release to a stopped printer fails" test $rc -ne 0
check "reason says unreachable" sh -c "echo \"$out\" | grep -q 'printer-unreachable'"
check "job held again with reason" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB3 | grep -q '\"state\": \"held\"' && $PRINTGATE -c $GW_CONF --json job show $JOB3 | grep -q '\"reason\": \"printer-unreachable\"'"
check "spool file kept for the held job" test -f "$GW_STATE/spool/jobs/$JOB3-1.pgs"

# Expiry: shorten retention, reload, submit, wait: job, spool file and key gone.
# Retention 10s: the two checks that job 4 is there must come before it
# expires, and a submission's CLI run can take seconds on a loaded machine.
sed -i 's/^Retention .*/Retention 10s/' "$GW_CONF"
gw_reload
JOB4=$(gw job submit --user alice "$W/doc.pdf")
check "job 4 held" test -f "$GW_STATE/spool/jobs/$JOB4-1.pgs"
check "job 4 has its wrapped key" sh -c "test \"\$(sqlite3 $GW_STATE/printgate.db \"select count(*) from documents where job_id='$JOB4' and wrapped_key is not null\")\" = 1"
expired() {   # job 4's file, row and key are gone and the expiry is audited
  test ! -e "$GW_STATE/spool/jobs/$JOB4-1.pgs" && ! "$PRINTGATE" -c "$GW_CONF" job show "$JOB4" &&
  test "$(sqlite3 "$DB" "select count(*) from documents where job_id='$JOB4'")" = 0 &&
  "$PRINTGATE" -c "$GW_CONF" audit | grep job.expire | grep -q "$JOB4"
}
peers_wait 60 expired       # ExpiryInterval 1s: a sweep soon after the 10 s
check "expired job's spool file removed" test ! -e "$GW_STATE/spool/jobs/$JOB4-1.pgs"
check "expired job removed from the queue" sh -c "! $PRINTGATE -c $GW_CONF job show $JOB4"
check "expired job's key removed" sh -c "test \"\$(sqlite3 $GW_STATE/printgate.db \"select count(*) from documents where job_id='$JOB4'\")\" = 0"
check "audit records the expiry" sh -c "$PRINTGATE -c $GW_CONF audit | grep job.expire | grep -q $JOB4"

gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
