#!/usr/bin/env bash
# daemon.sh - printgated as a service: config check (-t), first run (state
# dir, keys, certificate, one-time admin password in a 0600 file when
# stdout is not a terminal, never on stdout or in the log), systemd
# readiness through NOTIFY_SOCKET, /health over TLS with certificate
# verification, SIGHUP reload of the retention, the control socket's
# permissions and its answers to bad requests, SIGTERM, no core dumps, and
# the daemon run as a non-root user (as the systemd unit does).
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
# -t: a ConversionDir others can write (it holds plaintext) is refused.
mkdir -p "$W/opendir" && chmod 0777 "$W/opendir"
printf 'StateDir %s/x\nConversionDir %s/opendir\n' "$W" "$W" > "$W/opendir.conf"
"$PRINTGATED" -t -c "$W/opendir.conf" > "$W/opendir.out" 2>&1; rc=$?
check "printgated -t refuses a ConversionDir others can write" sh -c "test $rc -ne 0 && grep -q 'ConversionDir refused' '$W/opendir.out'"

# systemd readiness.
"$GW_TOOLS/gw-notify-listen" "$W/notify.sock" > "$W/notify.log" 2>&1 &
peers_track $!
peers_wait 30 test -S "$W/notify.sock"
export NOTIFY_SOCKET="$W/notify.sock"
gw_start "Retention 8h"
unset NOTIFY_SOCKET
check "NOTIFY_SOCKET received READY=1" peers_wait 30 grep -q "READY=1" "$W/notify.log"

# First run.  stdout is a file here, as under systemd (the journal): the
# one-time password goes to STATE/initial-admin-password (0600), never to
# stdout, stderr or the log, which only say where it is.
PWFILE="$GW_STATE/initial-admin-password"
PASS=$(cat "$PWFILE" 2>/dev/null)
check "first run writes the one-time password to STATE/initial-admin-password" sh -c "test -n '$PASS' && test \$(wc -l < '$PWFILE') -eq 1"
check "the password file is 0600 and the daemon's" sh -c "test \"\$(stat -c '%a %u' '$PWFILE')\" = '600 $(id -u)'"
check "the password is not on stdout/stderr (the journal under systemd)" sh -c "test -n '$PASS' && ! grep -qF '$PASS' '$GW_DIR/stdout'"
check "the password is not in the log" sh -c "test -n '$PASS' && ! grep -qF '$PASS' '$GW_LOG'"
check "stdout and the log say where the password is" sh -c "grep -qF 'one-time password is in $PWFILE' '$GW_DIR/stdout' && grep -qF 'one-time password is in $PWFILE' '$GW_LOG'"
# Positive control: the password from the file is the admin's (Argon2id
# verify against the stored hash, through libargon2 as the daemon does).
pw_is_admins() {
  python3 - "$GW_STATE/printgate.db" "$1" <<'PYEOF'
import ctypes, sqlite3, sys
h = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("SELECT password_hash FROM users WHERE name='admin'").fetchone()[0]
a = ctypes.CDLL("libargon2.so.1")
pw = sys.argv[2].encode()
sys.exit(0 if a.argon2id_verify(h.encode(), pw, ctypes.c_size_t(len(pw))) == 0 else 1)
PYEOF
}
check "the password in the file is the admin account's" pw_is_admins "$PASS"
pw_is_not_admins() { ! pw_is_admins "$@"; }
check "a wrong password does not verify (control)" pw_is_not_admins "x$PASS"

# Core dumps are off: RLIMIT_CORE 0 and not dumpable.
check "the daemon's core file size limit is 0" sh -c "grep -Eq '^Max core file size +0 +0 ' /proc/$GW_PID/limits"
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
check "SIGHUP: the reload is logged" gw_reload
J2=$(gw job submit --user carol "$W/doc.pdf")
ttl() { "$PRINTGATE" -c "$GW_CONF" --json job show "$1" | awk -F': ' '/"created"/{c=$2+0} /"expires"/{e=$2+0} END{print e-c}'; }
t1=$(ttl "$J1"); t2=$(ttl "$J2")
check "before SIGHUP: 8 h retention" sh -c "test $t1 -ge 28790 && test $t1 -le 28810"
check "after SIGHUP: 90 min retention" sh -c "test $t2 -ge 5390 && test $t2 -le 5410"
sed -i 's/^Retention .*/Retention banana/' "$GW_CONF"
gw_reload
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
out=$(printf 'this is not json\n' | timeout 30 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock")
check "malformed request gets an error" sh -c "echo '$out' | grep -q 'not a JSON object'"
out=$(printf '{"cmd":"launch.rockets"}\n' | timeout 30 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock")
check "unknown command gets an error" sh -c "echo '$out' | grep -q 'Unknown command'"
out=$(head -c 200000 /dev/zero | tr '\0' 'a' | timeout 30 "$GW_TOOLS/gw-raw-control" "$GW_STATE/printgated.sock"; echo "rc=$?")
check "an overlong request line is dropped" sh -c "echo '$out' | grep -q 'rc=0'"
check "daemon still serves after bad requests" gw status

# /health details only for HealthDetailsFrom (issue 8). Loopback gets them by default (checked above);
# with an allow-list that leaves out 127.0.0.1 the same request gets the bare status only, 503 when degraded.
health() { curl -sS --cacert "$GW_STATE/tls/server.crt" -w ' %{http_code}' "https://localhost:$GW_PORT/health"; }
echo 'HealthDetailsFrom 192.0.2.0/24,::1' >> "$GW_CONF"
check "HealthDetailsFrom set: reloaded" gw_reload
out=$(health)
check_eq "/health from an address not in HealthDetailsFrom: the bare status" "$out" '{"status":"ok"} 200'
mv "$GW_STATE/spool" "$GW_STATE/spool.away"
out=$(health)
mv "$GW_STATE/spool.away" "$GW_STATE/spool"
check_eq "/health degraded, not allowed: bare status and 503" "$out" '{"status":"degraded"} 503'
sed -i '/^HealthDetailsFrom /d' "$GW_CONF"
check "HealthDetailsFrom removed: reloaded" gw_reload
out=$(health)
check "/health from 127.0.0.1 with the default HealthDetailsFrom: the details" sh -c "echo '$out' | grep -q '\"version\"' && echo '$out' | grep -q '\"printers\"' && echo '$out' | grep -q ' 200\$'"

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
check "second start: the password file stays while the password is unchanged" test -f "$PWFILE"
gw_stop TERM

# Once the admin has replaced the one-time password, the next start
# removes the file.
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE users SET must_change=0 WHERE name='admin'\"); c.commit()" "$GW_STATE/printgate.db"
gw_restart
check "the password file is removed once the password was changed" sh -c "test ! -e '$PWFILE' && grep -q 'Removed $PWFILE' '$GW_LOG'"
gw_stop TERM

# On a terminal the password is shown there once, and no file is written.
TT=$W/tty
mkdir -p "$TT"
printf 'StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nServerName localhost\nLogFile %s/printgated.log\nOfficeWorkers 0\n' "$TT" "$TT" > "$TT/printgate.conf"
python3 - "$PRINTGATED" "$TT/printgate.conf" > "$TT/stdout" <<'PYEOF'
import os, pty, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]])
buf, end = b"", time.time() + 60    # a first start (keys, certificate) on a loaded machine
while b"printgated ready" not in buf and time.time() < end:
    try:
        buf += os.read(fd, 4096)
    except OSError:
        break
os.kill(pid, signal.SIGTERM)
os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
PYEOF
TTPASS=$(sed -n "s/.*one-time password: \([^[:space:]]*\).*$/\1/p" "$TT/stdout")
check "on a terminal the password is shown there" sh -c "test -n '$TTPASS'"
check "on a terminal no password file is written" test ! -e "$TT/state/initial-admin-password"
check "on a terminal the password is not in the log either" sh -c "test -n '$TTPASS' && ! grep -qF '$TTPASS' '$TT/printgated.log'"

# As its own user (the systemd unit runs it as 'printgate'; nobody here),
# with a fresh state dir: it starts, its stores are its own and closed,
# and it is not dumpable, so /proc/PID belongs to root (an ordinary
# process of the same user owns its /proc/PID: the control shows the probe
# sees the difference) and no core file is written.
if [ "$(id -u)" = 0 ]; then
  NR=$W/nonroot
  mkdir -p "$NR"
  chmod 0711 "$W"
  chown nobody:nogroup "$NR"
  mkdir -p "$NR/conv"
  chown nobody:nogroup "$NR/conv"
  chmod 0700 "$NR/conv"
  printf 'StateDir %s/state\nListenAddress 127.0.0.1\nListenPort 0\nServerName localhost\nLogFile %s/printgated.log\nOfficeWorkers 0\nConversionDir %s/conv\n' "$NR" "$NR" "$NR" > "$NR/printgate.conf"
  chmod 0644 "$NR/printgate.conf"
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$PRINTGATED" -c "$NR/printgate.conf" > "$NR/stdout" 2>&1 &
  NR_PID=$!
  peers_track "$NR_PID"
  peers_wait_pid "$NR_PID" 60 grep -q "printgated ready" "$NR/stdout"   # a first start: keys, certificate
  check "printgated runs as a non-root user" sh -c "grep -q 'printgated ready' '$NR/stdout' && ps -o user= -p $NR_PID | grep -qx nobody"
  check "its printer certificate store is its own, 0700" sh -c "test \"\$(stat -c '%a %U' '$NR/state/printer-certs')\" = '700 nobody'"
  check "its password file is its own, 0600" sh -c "test \"\$(stat -c '%a %U' '$NR/state/initial-admin-password')\" = '600 nobody'"
  check "its core file size limit is 0" sh -c "grep -Eq '^Max core file size +0 +0 ' /proc/$NR_PID/limits"
  "$PRINTGATE" -c "$NR/printgate.conf" user add carol > /dev/null
  check "root's CLI talks to it, and its converter sandbox works (job held)" sh -c "J=\$($PRINTGATE -c $NR/printgate.conf job submit --user carol $W/doc.pdf) && $PRINTGATE -c $NR/printgate.conf --json job show \$J | grep -q '\"state\": \"held\"'"
  setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 600 &   # killed below; alive through every check
  CTL_PID=$!
  peers_track "$CTL_PID"
  # Until setpriv has changed user, the child is still root's: wait for it (it must get there).
  check "control: an ordinary process of that user owns its /proc/PID" peers_wait 30 sh -c "test \"\$(stat -c %U /proc/$CTL_PID/fd)\" = nobody"
  check "the daemon is not dumpable: its /proc/PID/fd belongs to root" sh -c "test \"\$(stat -c %U /proc/$NR_PID/fd)\" = root"
  check "the same user cannot read its memory map" sh -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups cat /proc/$NR_PID/maps"
  check "control: the same user reads its ordinary process's memory map" setpriv --reuid=nobody --regid=nogroup --clear-groups cat /proc/$CTL_PID/maps
  kill "$CTL_PID" 2>/dev/null
  kill -TERM "$NR_PID"
  wait "$NR_PID"
  check_eq "the non-root daemon stops on SIGTERM" "$?" 0
fi
gw_finish
