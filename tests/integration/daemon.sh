#!/usr/bin/env bash
# daemon.sh - printgated as a service: config check (-t), first run (state
# dir, keys, certificate, one-time admin password printed once), systemd
# readiness through NOTIFY_SOCKET, /health over TLS with certificate
# verification, SIGHUP reload of the retention, the control socket's
# permissions and its answers to bad requests, SIGTERM.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

# -t: a good config passes, a bad one names the line and the reason.
printf 'StateDir %s/x\nRetention 3h\n' "$W" > "$W/good.conf"
printf 'StateDir %s/x\nRetention 3h\nMaxPagesPerJob 0\n' "$W" > "$W/bad.conf"
check "printgated -t accepts a good config" "$PRINTGATED" -t -c "$W/good.conf"
out=$("$PRINTGATED" -t -c "$W/bad.conf" 2>&1); rc=$?
check "printgated -t refuses a bad config" test $rc -ne 0
check "the error names line 3 and the directive" sh -c "echo '$out' | grep -q 'bad.conf:3' && echo '$out' | grep -q MaxPagesPerJob"

# systemd readiness.
"$GW_TOOLS/gw-notify-listen" "$W/notify.sock" > "$W/notify.log" 2>&1 &
peers_track $!
for i in $(seq 50); do [ -S "$W/notify.sock" ] && break; sleep 0.1; done
export NOTIFY_SOCKET="$W/notify.sock"
gw_start "Retention 8h"
unset NOTIFY_SOCKET
sleep 0.3
check "NOTIFY_SOCKET received READY=1" grep -q "READY=1" "$W/notify.log"

# First run.
check "first run prints the admin one-time password" grep -q "created admin account 'admin' with one-time password: " "$GW_DIR/stdout"
PASS=$(sed -n "s/.*one-time password: \(.*\)$/\1/p" "$GW_DIR/stdout")
check "the password is not in the log" sh -c "! grep -qF '$PASS' '$GW_LOG'"
check "state dir is 0700" sh -c "test \"\$(stat -c %a $GW_STATE)\" = 700"
check "root key is 0400" sh -c "test \"\$(stat -c %a $GW_STATE/keys/root.key)\" = 400"
check "control socket is 0600" sh -c "test \"\$(stat -c %a $GW_STATE/printgated.sock)\" = 600"
check "admin listed" sh -c "$PRINTGATE -c $GW_CONF user list | grep -q '^admin  *admin'"

# /health over TLS, verified against the self-signed certificate.
out=$(curl -sS --tlsv1.2 --cacert "$GW_STATE/tls/server.crt" "https://localhost:$GW_PORT/health")
check "/health answers over verified TLS" sh -c "echo '$out' | grep -q '\"status\":\"ok\"'"
check "/health reports version, store, spool, printers" sh -c "echo '$out' | grep -q '\"version\"' && echo '$out' | grep -q '\"store\":\"ok\"' && echo '$out' | grep -q '\"spool\"' && echo '$out' | grep -q '\"printers\"'"
check "plain HTTP is refused" sh -c "! curl -s -m 5 http://localhost:$GW_PORT/health | grep -q status"
check "TLS 1.1 is refused" sh -c "! curl -s -k -m 5 --tls-max 1.1 https://localhost:$GW_PORT/health"
check "unknown path is 404" sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert $GW_STATE/tls/server.crt https://localhost:$GW_PORT/nope)\" = 404"

# SIGHUP: a changed retention applies to the next job.
gw user add carol >/dev/null
gw_make_pdf "$W/doc.pdf" 1
J1=$(gw job submit --user carol "$W/doc.pdf")
sed -i 's/^Retention .*/Retention 90m/' "$GW_CONF"
kill -HUP "$GW_PID"
for i in $(seq 50); do grep -q "Configuration reloaded" "$GW_LOG" && break; sleep 0.1; done
J2=$(gw job submit --user carol "$W/doc.pdf")
ttl() { "$PRINTGATE" -c "$GW_CONF" --json job show "$1" | awk -F': ' '/"created"/{c=$2+0} /"expires"/{e=$2+0} END{print e-c}'; }
t1=$(ttl "$J1"); t2=$(ttl "$J2")
check "before SIGHUP: 8 h retention" sh -c "test $t1 -ge 28790 && test $t1 -le 28810"
check "after SIGHUP: 90 min retention" sh -c "test $t2 -ge 5390 && test $t2 -le 5410"
sed -i 's/^Retention .*/Retention banana/' "$GW_CONF"
kill -HUP "$GW_PID"; sleep 0.5
check "a bad config on SIGHUP is refused and the daemon keeps running" sh -c "kill -0 $GW_PID && grep -q 'Reload refused' '$GW_LOG'"
sed -i 's/^Retention .*/Retention 90m/' "$GW_CONF"

# Control socket: other users are refused; bad requests get clear errors.
check "a non-root user is refused" sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups $PRINTGATE -c $GW_CONF status"
# A sandbox's user namespace keeps the daemon's uid as seen from outside:
# the same uid from another user namespace is refused (positive control:
# the same command from ours works).
check "the same uid from another user namespace is refused" sh -c "! unshare --user $PRINTGATE -c $GW_CONF status"
check "and the refusal is logged" grep -q "another user namespace" "$GW_LOG"
check "the same command from the daemon's namespace works" gw status
out=$(printf 'this is not json\n' | timeout 5 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock")
check "malformed request gets an error" sh -c "echo '$out' | grep -q 'not a JSON object'"
out=$(printf '{"cmd":"launch.rockets"}\n' | timeout 5 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock")
check "unknown command gets an error" sh -c "echo '$out' | grep -q 'Unknown command'"
out=$(head -c 200000 /dev/zero | tr '\0' 'a' | timeout 5 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock"; echo "rc=$?")
check "an overlong request line is dropped" sh -c "echo '$out' | grep -q 'rc=0'"
check "daemon still serves after bad requests" gw status

# A lost root key is not silently replaced.
gw_stop TERM
check_eq "SIGTERM exits 0" "$GW_STATUS" 0
mv "$GW_STATE/keys/root.key" "$W/root.key.saved"
out=$("$PRINTGATED" -c "$GW_CONF" 2>&1); rc=$?
check "start refused when keys/root.key is missing but the store exists" sh -c "test $rc -ne 0 && echo '$out' | grep -q 'restore keys/'"
check "no new root key was made" test ! -e "$GW_STATE/keys/root.key"
mv "$W/root.key.saved" "$GW_STATE/keys/root.key"

# Second start: no second password.
gw_restart
check "second start prints no password" sh -c "! grep -q 'one-time password' '$GW_DIR/stdout'"
check "jobs survive a restart" sh -c "$PRINTGATE -c $GW_CONF --json job show $J2 | grep -q '\"state\": \"held\"'"
gw_stop TERM
gw_finish
