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
#  6. 20 concurrent Get-Jobs of 20 users (cold checks) do not delay
#     unauthenticated Get-Printer-Attributes on the same listener (the
#     checks run on core tasks); positive control: the old inline check
#     (PRINTGATE_TEST_IPP_AUTH_INLINE) does delay it;
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
# the right one (100 full Argon2id checks: wrong ones are never cached,
# and the cache is per process, each burst runs on a freshly started
# daemon); meanwhile five Get-Printer-Attributes, one after the other:
# how long those take in all.
cat > "$W/burst.py" <<'EOF'
import sys, threading, time
port, creds = int(sys.argv[1]), open(sys.argv[2]).read().split()
sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[3]); ipc = __import__("ipp-client")   # tests/lib/ipp-client.py
sent = threading.Semaphore(0)
def request(op, cred):
    """Connect (TLS), send, wait for the answer: status (the IPP one too) and seconds from the connect."""
    return ipc.exchange(port, op, b"", cred, sent.release if cred and "wrong0" in cred else None)
results = []
def worker(cred):
  try:
    # Four wrong passwords (never cached: each a full check), then the right one.
    wrong = [request(0x0A, "%s:wrong%d" % (cred.split(":")[0], k))[0] for k in range(4)]
    results.append(request(0x0A, cred)[0] if wrong == ["401"] * 4 else "wrong-not-refused")
  except OSError:
    results.append("connection-lost")
threads = [threading.Thread(target=worker, args=(c,)) for c in creds]
for t in threads: t.start()
for _ in threads: sent.acquire(timeout=30)   # all 20 in the gateway's hands
time.sleep(0.05)
gpas = [request(0x0B, None) for _ in range(5)]   # one after the other, each on a new connection
for t in threads: t.join()
print("gpa=%s %.3f gets=%d/%d" % (",".join(g[0] for g in gpas), sum(g[1] for g in gpas), results.count("200"), len(results)))
EOF
gw_start
: > "$W/creds"
for i in $(seq 20); do
  gw user add "u$i" >/dev/null
  echo "u$i:$(gw user password "u$i" | tail -1)" >> "$W/creds"
done
fast=$(python3 "$W/burst.py" "$GW_PORT" "$W/creds" "$GW_SOURCE_DIR/tests/lib")
gw lockout clear >/dev/null           # the control starts from no failures too
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
gw_restart
gw lockout clear >/dev/null
gw_stop
PRINTGATE_TEST_IPP_AUTH_INLINE=1 gw_restart
slow=$(python3 "$W/burst.py" "$GW_PORT" "$W/creds" "$GW_SOURCE_DIR/tests/lib")
gw_stop
echo "deferred checks: $fast; inline checks (control): $slow"
secs() { echo "$1" | sed -n 's/^gpa=200,200,200,200,200 \([0-9.]*\).*/\1/p'; }
check "all 20 clients refused four times (401) then answered 200 (deferred) ($fast)" has "$fast" "gets=20/20"
# Measured here: 0.24-0.39 s deferred, 4.8-33 s inline (it depends on the machine's load).  The control
# shows the first check can fail: with the inline check the same five miss the same 2 s bound.
check "five Get-Printer-Attributes under the burst in < 2 s in all ($fast)" awk -v t="$(secs "$fast")" 'BEGIN { exit !(t != "" && t < 2) }'
check "positive control: with the inline check they miss that bound, >= 2 s ($slow)" awk -v t="$(secs "$slow")" 'BEGIN { exit !(t != "" && t >= 2) }'

gw_finish
