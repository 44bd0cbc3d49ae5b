#!/usr/bin/env bash
# ipp-auth.sh - who may print over IPP (issue 11 item 2), against a real
# daemon with tests/lib/ipp-client.py:
#  1. no credentials: 401 with the Basic challenge; a wrong password 401;
#     Get-Printer-Attributes needs none;
#  2. a device password works over Basic, and stops once the device is
#     revoked;
#  3. a token URL (/ipp/print/<token>) prints with no credentials, the job
#     held for the token's owner (not requesting-user-name); Validate-Job
#     on it needs nothing; an unknown token and a revoked one get the same
#     client-error-not-authorized (nothing says which);
#  4. another user's job id is not found;
#  5. ten wrong passwords for alice lock alice@127.0.0.1, and a right login
#     in between forgives nothing; bob behind the same address is not
#     locked; unknown tokens lock the address's token attempts;
#  6. 20 concurrent Get-Jobs of 20 users (100 cold checks) all answered;
#     password checks held (PRINTGATE_TEST_IPP_AUTH_HOLD) on the core's
#     task threads do not stop Get-Printer-Attributes; positive control:
#     the old inline check (PRINTGATE_TEST_IPP_AUTH_INLINE), held on every
#     listener thread, does; cold Print-Jobs (twice as many as listener
#     threads) are paused, not waited for, and all answered after the
#     release; positive control: waiting on the listener threads
#     (PRINTGATE_TEST_IPP_NO_PAUSE) stops Get-Printer-Attributes; a pause
#     past its deadline gets 503 and no job; clients hanging up while
#     paused leave nothing half-received; a cold wrong password is 401 with
#     nothing stored; a stop with Print-Jobs paused exits cleanly;
#  7. a stop while checks are queued and answers deferred exits cleanly.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"

gw_start "PinMaxFailures 10"
gw user add alice >/dev/null
gw user add bob >/dev/null
APW=$(gw user password alice | tail -1)
BPW=$(gw user password bob | tail -1)
gw_make_pdf "$W/doc.pdf" 2 "IPP auth test"
ipc() { $IPC "$GW_PORT" "$@" 2>&1; }
has() { echo "$1" | grep -q -- "$2"; }
held_of() { "$PRINTGATE" -c "$GW_CONF" job list --user "$1" 2>/dev/null | grep -c " held "; }

# ---- 1. Basic ----------------------------------------------------------------
check "Get-Printer-Attributes needs no credentials" has "$(ipc gpa)" "HTTP 200.*IPP 0x0000"
out=$(ipc gjobs)
check "Get-Jobs without credentials: 401 Basic realm=Printgate" has "$out" 'HTTP 401 \[WWW-Authenticate: Basic realm="Printgate"\]'
out=$(ipc gjobs --auth "alice:not her password")
check "a wrong password: 401 with the challenge" has "$out" 'HTTP 401 \[WWW-Authenticate: Basic'
out=$(ipc gjobs --auth "alice:$APW")
check "the right password: Get-Jobs answered (deferred, from a core task)" has "$out" "HTTP 200.*IPP 0x0000"
out=$(ipc validate --format application/pdf --auth "alice:$APW")
check "Validate-Job with the password" has "$out" "HTTP 200.*IPP 0x0000"
out=$(ipc validate --format application/pdf)
check "Validate-Job on /ipp/print without credentials: 401" has "$out" "HTTP 401"

# ---- 2. Device password --------------------------------------------------------
DEV=$(gw device add alice alice-mac)
DPW=$(echo "$DEV" | sed -n 's/^ *Password: *//p')
DID=$(echo "$DEV" | sed -n 's/^Device \([0-9]*\) added.*/\1/p')
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --auth "alice:$DPW")
check "Print-Job with alice's device password" has "$out" "HTTP 200.*IPP 0x0000 job-id="
check "device password of alice does not sign in bob" has "$(ipc gjobs --auth "bob:$DPW")" "HTTP 401"
# A device password is checked on a task every time, so these bodies pause
# at the end of their attribute section: chunked, and a Send-Document.
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --chunked --auth "alice:$DPW")
check "chunked Print-Job with the device password (paused for its check)" has "$out" "HTTP 200.*IPP 0x0000 job-id="
out=$(ipc create --format application/pdf --auth "alice:$DPW")
CJ=$(echo "$out" | sed -n 's/.*job-id=\([0-9]*\).*/\1/p')
out=$(ipc send --job-id "${CJ:-0}" --document "$W/doc.pdf" --format application/pdf --auth "alice:$DPW")
check "Create-Job then Send-Document with the device password (paused for its check)" has "$out" "HTTP 200.*IPP 0x0000 job-id=${CJ:-none}"
peers_wait 60 sh -c "[ \$(\"$PRINTGATE\" -c '$GW_CONF' job list --user alice 2>/dev/null | grep -c ' held ') -ge 3 ]"
check "... alice has the three jobs held" test "$(held_of alice)" -ge 3
gw device revoke "$DID" >/dev/null
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --auth "alice:$DPW")
check "the revoked device password: 401" has "$out" "HTTP 401"

# ---- 3. Token URL --------------------------------------------------------------
TOK=$(gw device add bob bob-phone)
TURL=$(echo "$TOK" | sed -n 's/^ *URL: *//p')
TOKEN=${TURL##*/}
TID=$(echo "$TOK" | sed -n 's/^Device \([0-9]*\) added.*/\1/p')
before=$(held_of bob)
out=$(ipc gpa --path "/ipp/print/$TOKEN")
check "Get-Printer-Attributes on the token URI" has "$out" "HTTP 200.*IPP 0x0000"
out=$(ipc validate --format application/pdf --path "/ipp/print/$TOKEN")
check "Validate-Job on the token URI needs nothing" has "$out" "HTTP 200.*IPP 0x0000"
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --user-name "Pixel 8" --path "/ipp/print/$TOKEN")
check "Print-Job on the token URI with no credentials" has "$out" "HTTP 200.*IPP 0x0000 job-id="
BJOB=$(echo "$out" | sed -n 's/.*job-id=\([0-9]*\).*/\1/p')
peers_wait 30 sh -c "test \$($PRINTGATE -c $GW_CONF job list --user bob | grep -c ' held ') -gt $before"
check "the job is held for bob, the token's owner" test "$(held_of bob)" -gt "$before"
out=$(ipc gja --job-id "$BJOB" --path "/ipp/print/$TOKEN")
check "Get-Job-Attributes through the token: owner bob, not the phone" has "$out" "owner=bob"
# ---- 4. Scoping ----
out=$(ipc gja --job-id "$BJOB" --auth "alice:$APW")
check "alice asking for bob's job id: not found" has "$out" "IPP 0x0406"
out=$(ipc cancel --job-id "$BJOB" --auth "alice:$APW")
check "alice cancelling bob's job: not found" has "$out" "IPP 0x0406"

gw device revoke "$TID" >/dev/null
revoked=$(ipc print --document "$W/doc.pdf" --format application/pdf --path "/ipp/print/$TOKEN")
check "the revoked token stops at once: not-authorized" has "$revoked" "HTTP 200.*IPP 0x0403"
unknown=$(ipc print --document "$W/doc.pdf" --format application/pdf --path "/ipp/print/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
check "an unknown token gets the very same answer" test "$revoked" = "$unknown"
check "a token that is not URL-safe: the same status" has "$(ipc gjobs --path '/ipp/print/a%20b')" "HTTP 200.*IPP 0x0403"
check "Get-Printer-Attributes on an unknown token still answers" has "$(ipc gpa --path /ipp/print/nosuchtoken)" "HTTP 200.*IPP 0x0000"

# ---- 5. Lockout (the core's, per user@client) --------------------------------
check "lockout clear (the failures above start no count here)" gw lockout clear
for i in 1 2 3 4 5 6 7 8 9; do ipc gjobs --auth "alice:wrong $i" >/dev/null; done
check "after nine wrong passwords alice still signs in" has "$(ipc gjobs --auth "alice:$APW")" "HTTP 200.*IPP 0x0000"
ipc gjobs --auth "alice:wrong 10" >/dev/null
out=$(ipc gjobs --auth "alice:$APW")
check "the tenth wrong one locks alice@127.0.0.1 (the right login between forgave nothing)" has "$out" "IPP 0x0403"
check "locked: the answer says try again later" has "$out" "try again later"
check "bob behind the same address is not locked" has "$(ipc gjobs --auth "bob:$BPW")" "HTTP 200.*IPP 0x0000"
check "the audit log has login.fail rows" sh -c "$PRINTGATE -c $GW_CONF audit | grep -q 'login.fail'"
# Unknown tokens: the address's token attempts lock after ten.
for i in $(seq 10); do ipc gjobs --path "/ipp/print/guess$i" >/dev/null; done
out=$(ipc gjobs --path "/ipp/print/guess-last")
check "unknown tokens lock the address's token attempts" has "$out" "try again later"
check "Get-Printer-Attributes still answers while locked" has "$(ipc gpa)" "HTTP 200.*IPP 0x0000"
gw_stop

# ---- 6. The password check runs off the listener threads -----------------------
# 20 clients (20 users) each send Get-Jobs with four wrong passwords then
# the right one (100 full Argon2id checks: wrong ones are never cached):
# every one refused four times and then answered, the checks deferred.
cat > "$W/burst.py" <<'EOF'
import sys, threading
port, creds = int(sys.argv[1]), open(sys.argv[2]).read().split()
sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[3]); ipc = __import__("ipp-client")   # tests/lib/ipp-client.py
results = []
def worker(cred):
  try:
    # Four wrong passwords (never cached: each a full check), then the right one.
    wrong = [ipc.exchange(port, 0x0A, b"", "%s:wrong%d" % (cred.split(":")[0], k))[0] for k in range(4)]
    results.append(ipc.exchange(port, 0x0A, b"", cred)[0] if wrong == ["401"] * 4 else "wrong-not-refused")
  except OSError:
    results.append("connection-lost")
threads = [threading.Thread(target=worker, args=(c,)) for c in creds]
for t in threads: t.start()
for t in threads: t.join()
print("gets=%d/%d" % (results.count("200"), len(results)))
EOF
# Which threads a slow check stops, without timing anything: with
# PRINTGATE_TEST_IPP_AUTH_HOLD each check waits until $W/release exists
# (ipp_hold_start and the others: tests/lib/ipp-test.sh).
HOLD_LINE="a password check waits for"

gw_start
: > "$W/creds"
for i in $(seq 20); do
  gw user add "u$i" >/dev/null
  echo "u$i:$(gw user password "u$i" | tail -1)" >> "$W/creds"
done
out=$(python3 "$W/burst.py" "$GW_PORT" "$W/creds" "$GW_SOURCE_DIR/tests/lib")
check "all 20 clients refused four times (401) then answered 200 ($out)" has "$out" "gets=20/20"
gw lockout clear >/dev/null
gw_stop

# Deferred: both task threads wait in a check; Get-Printer-Attributes still
# answers (a generous 30 s: nothing it needs waits for the held checks).
PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
ipp_hold_start "$HOLD_LINE" 2 0x0A "$(head -1 "$W/creds")"
check "two password checks held on the core's task threads" test "$HOLD_OK" -eq 0
out=$(ipp_gpa 30)
check "Get-Printer-Attributes answers while they are held ($out)" test "$out" = 200
check "and the held Get-Jobs are still waiting" kill -0 "$HOLD_PID"
ipp_hold_end
check "released, every held Get-Jobs is answered ($HOLD_OUT)" ipp_all_answered "$HOLD_OUT"
gw_stop

# Positive control: the check on the listener thread (the old way).  Once as
# many checks wait as the listener has threads, every thread is stopped and
# Get-Printer-Attributes gets no answer; after the release it does.
threads=$(ipp_listener_threads)
PRINTGATE_TEST_IPP_AUTH_INLINE=1 PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
ipp_hold_start "$HOLD_LINE" "${threads:-4}" 0x0A "$(head -1 "$W/creds")"
check "positive control: ${threads:-?} checks held, one per listener thread" test "$HOLD_OK" -eq 0
out=$(ipp_gpa 3)
check "positive control: then Get-Printer-Attributes gets no answer ($out)" test "$out" != 200
ipp_hold_end
check "positive control: released, every held Get-Jobs is answered ($HOLD_OUT)" ipp_all_answered "$HOLD_OUT"
out=$(ipp_gpa 30)
check "positive control: and Get-Printer-Attributes answers again ($out)" test "$out" = 200
gw_stop

# Print-Job: the owner is needed before the first document byte, so its
# body is paused (no listener thread waits) until the check ends.  Twice as
# many cold Print-Jobs as listener threads, two checks held on the task
# threads and the rest queued: Get-Printer-Attributes answers throughout,
# and once released every Print-Job is answered with its job.
ipp_gpa_each() {   # N: N Get-Printer-Attributes in a row; prints their answers
  local i; for i in $(seq "$1"); do ipp_gpa 10; done | sort | uniq -c | tr -s ' \n' ' '
}
ipp_gpa_stops() {  # Within 20 tries, one Get-Printer-Attributes gets no answer in 2 s
  local i; for i in $(seq 20); do [ "$(ipp_gpa 2)" = 200 ] || return 0; done; return 1
}
many=$(( ${threads:-4} * 2 ))
PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
IPP_HOLD_MIN=$many ipp_hold_start "$HOLD_LINE" 2 0x02 "$(sed -n 2p "$W/creds")" "$W/doc.pdf"
check "two Print-Job password checks held on the core's task threads" test "$HOLD_OK" -eq 0
peers_wait 30 test -e "$W/started"
check "$many cold Print-Jobs sent" test -e "$W/started"
sleep 1
out=$(ipp_gpa_each 5)
check "Get-Printer-Attributes answers while they wait ($out)" test "$out" = " 5 200 "
check "and the Print-Jobs are still waiting" kill -0 "$HOLD_PID"
ipp_hold_end
check "released, every paused Print-Job is answered with its job ($HOLD_OUT)" ipp_all_answered "$HOLD_OUT"
check "... $many of them" has "$HOLD_OUT" "/$many\$"
gw_stop

# Positive control: the Print-Jobs wait on the listener threads instead
# (PRINTGATE_TEST_IPP_NO_PAUSE): once they hold every thread,
# Get-Printer-Attributes gets no answer; after the release it does.
PRINTGATE_TEST_IPP_NO_PAUSE=1 PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
IPP_HOLD_MIN=$many ipp_hold_start "$HOLD_LINE" 2 0x02 "$(sed -n 3p "$W/creds")" "$W/doc.pdf"
check "positive control: two Print-Job checks held" test "$HOLD_OK" -eq 0
peers_wait 30 test -e "$W/started"
check "positive control: then Get-Printer-Attributes stops being answered" ipp_gpa_stops
ipp_hold_end
check "positive control: released, every Print-Job is answered ($HOLD_OUT)" ipp_all_answered "$HOLD_OUT"
out=$(ipp_gpa 30)
check "positive control: and Get-Printer-Attributes answers again ($out)" test "$out" = 200
gw_stop

# A paused Print-Job whose check outlasts the pause's deadline
# (PRINTGATE_TEST_IPP_PAUSE_MS, 60 s unless set): 503 with Retry-After,
# no job; the next request is served.
PRINTGATE_TEST_IPP_PAUSE_MS=1500 PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
ipp_hold_start "$HOLD_LINE" 2 0x02 "$(sed -n 5p "$W/creds")" "$W/doc.pdf"
check "paused past its deadline: two checks held" test "$HOLD_OK" -eq 0
# Released only once every one of them was answered 503 (else a late one
# could still be continued in time).
peers_wait 30 test -s "$W/started"
paused_503() { [ "$(grep -c 'still paused after 1500 ms' "$GW_LOG")" -ge "$(cat "$W/started")" ]; }
peers_wait 30 paused_503
check "paused past its deadline: the listener answered 503 to each ($(cat "$W/started"), logged)" paused_503
ipp_hold_end
check "paused past its deadline: 503, no job ($HOLD_OUT)" has "$HOLD_OUT" "^statuses: \(503 \)*503$"
check "... and none held for u5" test "$(held_of u5)" -eq 0
check "... and Get-Printer-Attributes answers" test "$(ipp_gpa 30)" = 200
gw_stop

# Clients that hang up while their Print-Jobs are paused: once the checks
# end, the daemon serves on, and no job is left half-received.
PRINTGATE_TEST_IPP_AUTH_HOLD="$W/release" gw_restart
ipp_hold_start "$HOLD_LINE" 2 0x02 "$(sed -n 6p "$W/creds")" "$W/doc.pdf"
check "hang-ups: two checks held" test "$HOLD_OK" -eq 0
kill -9 "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null
touch "$W/release"
receiving_of() { "$PRINTGATE" -c "$GW_CONF" job list --user "$1" 2>/dev/null | grep -c " receiving "; }
check "hang-ups: Get-Printer-Attributes answers after the release" test "$(ipp_gpa 30)" = 200
peers_wait 30 sh -c "[ \$(\"$PRINTGATE\" -c '$GW_CONF' job list --user u6 2>/dev/null | grep -c ' receiving ') -eq 0 ]"
check "hang-ups: no job of u6 left receiving" test "$(receiving_of u6)" -eq 0
gw_stop

# A cold wrong password on Print-Job: paused, then 401; nothing stored.
gw_restart
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --auth "u4:not the password")
check "Print-Job with a cold wrong password: 401 after its pause" has "$out" "HTTP 401"
check "... and nothing held for u4" test "$(held_of u4)" -eq 0
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --auth "$(sed -n 4p "$W/creds")")
check "... then the right one: the job" has "$out" "HTTP 200.*IPP 0x0000 job-id="

# A stop while cold Print-Jobs are paused: a clean exit, no hang.
touch "$W/enough"
IPP_HOLD_MIN=8 python3 "$GW_SOURCE_DIR/tests/lib/ipp-hold.py" start "$GW_PORT" "$W" 0x02 "$(sed -n 7p "$W/creds")" "$W/doc.pdf" > "$W/paused-stop.out" 2>&1 &
PJOBS=$!
peers_track "$PJOBS"
peers_wait 20 test -e "$W/started"
t0=$(date +%s)
gw_stop
check "stopped with cold Print-Jobs paused: exit status 0 ($GW_STATUS)" test "$GW_STATUS" -eq 0
check "and within 20 s" test $(( $(date +%s) - t0 )) -le 20
kill "$PJOBS" 2>/dev/null; wait "$PJOBS" 2>/dev/null

# 7. A stop while checks are queued and answers deferred: a clean exit, no hang.
gw_restart
python3 "$W/burst.py" "$GW_PORT" "$W/creds" "$GW_SOURCE_DIR/tests/lib" > "$W/stopped.out" 2>&1 &
BURST=$!
peers_track "$BURST"
peers_wait 20 sh -c "$PRINTGATE -c $GW_CONF audit | grep -q login.fail"   # checks are running
t0=$(date +%s)
gw_stop
check "stopped while Basic checks were queued: exit status 0 ($GW_STATUS)" test "$GW_STATUS" -eq 0
check "and within 20 s" test $(( $(date +%s) - t0 )) -le 20
kill "$BURST" 2>/dev/null; wait "$BURST" 2>/dev/null

gw_finish
