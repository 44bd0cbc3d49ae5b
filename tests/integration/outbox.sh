#!/usr/bin/env bash
# outbox.sh - outgoing mail against the real mail rig (tests/lib/mail-rig.sh:
# Dovecot + Postfix on loopback, TLS from a test CA, submission on base+587
# with STARTTLS and AUTH required):
#  1. "printgate secret encrypt" turns the relay password into an enc:v1:
#     value (the password is in neither the value, the log nor the state);
#  2. with the relay down, five replies are queued (each twice with the same
#     key: five rows), tried and kept queued with the reason; the daemon is
#     killed with SIGKILL and started again; the relay comes up: every reply
#     arrives in alice's Maildir exactly once, with Auto-Submitted and
#     In-Reply-To, after Postfix logged an AUTH (positive control);
#  3. with a CA that did not sign the relay's certificate, a message is
#     refused before AUTH (Postfix logs no new AUTH), stays queued with the
#     certificate reason in the row and the log, and is not delivered; with
#     the right CA again it is delivered once (positive control);
#  4. XOAUTH2 with the rig's OAuth user: a wrong token stays queued (an AUTH
#     refusal is not a permanent failure), the right one delivers once;
#  5. SmtpTLS off towards a relay that is not on loopback sends nothing.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init

RIG="$GW_SOURCE_DIR/tests/lib/mail-rig.sh"
peers_reserve_mailrig || { echo "FAIL: no port base for the mail rig"; exit 1; }   # MAILRIG_PORT_BASE, MAILRIG_DIR
SUBM=$((MAILRIG_PORT_BASE + 587))
CA="$MAILRIG_DIR/tls/ca.crt"
MAILDIR="$MAILRIG_DIR/mail/alice@example.test/Maildir"
PFLOG="$MAILRIG_DIR/log/postfix.log"

if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/postfix/sbin/master ]; then
  echo "FAIL: the mail rig needs dovecot-imapd dovecot-lmtpd postfix (scripts/deps.sh --test)"
  exit 1
fi

rig_stop() { [ -d "$MAILRIG_DIR" ] && bash "$RIG" stop >/dev/null 2>&1; return 0; }
trap 'rig_stop; peers_cleanup' EXIT

# outbox_count STATE: rows in that state.
outbox_count() { gw --json outbox list --state "$1" | grep -oE '"state": ?"'"$1"'"' | wc -l; }
# delivered SUBJECT: messages in alice's Maildir with that subject.
delivered() { grep -lF "Subject: $1" "$MAILDIR"/new/* "$MAILDIR"/cur/* 2>/dev/null | wc -l; }
# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
  local n=$(($1 * 10)); shift
  for ((; n > 0; n--)); do "$@" && return 0; sleep 0.1; done
  return 1
}
# reload: SIGHUP, then wait for the log line.
reload() {
  local before; before=$(grep -c 'Configuration reloaded' "$GW_LOG")
  kill -HUP "$GW_PID"
  wait_for 10 sh -c "[ \$(grep -c 'Configuration reloaded' '$GW_LOG') -gt $before ]"
}
retry_queued() {   # retry_queued SUBJECT: once its row is queued (not being sent), send it now
  local id="" i
  for i in $(seq 200); do
    id=$(gw --json outbox list --state queued | python3 -c '
import json, sys
def rows(x):
    if isinstance(x, dict):
        if "id" in x and x.get("subject") == sys.argv[1]: yield x
        for v in x.values(): yield from rows(v)
    elif isinstance(x, list):
        for v in x: yield from rows(v)
print(next((r["id"] for r in rows(json.load(sys.stdin))), ""))' "$1")
    [ -n "$id" ] && break
    sleep 0.1
  done
  # Not queued within 20 s: the sender's own retry took it (the check that follows tells).
  [ -z "$id" ] || gw outbox retry "$id" >/dev/null || true
}
auths() { grep -c 'sasl_username=print@example.test' "$PFLOG" 2>/dev/null || true; }

gw_start "SmtpServer localhost:$SUBM" "SmtpTLS required" "SmtpCAFile $CA" "SmtpUser print@example.test" \
         "SmtpFrom print@example.test" "SmtpRetryDelay 1s" "SmtpRetryMax 2s" "SmtpTimeout 10s"

# 1. The password, encrypted for the config.
ENC=$(echo "printpw" | gw secret encrypt)
check "secret encrypt prints an enc:v1: value" sh -c "echo '$ENC' | grep -Eq '^enc:v1:[A-Za-z0-9_-]{40,}\$'"
check "secret encrypt refuses an empty secret" sh -c "! echo '' | $PRINTGATE -c $GW_CONF secret encrypt 2>/dev/null"
echo "SmtpPassword $ENC" >> "$GW_CONF"
check "reload with the encrypted password" reload

# 2. Relay down: queue five replies, each twice with the same key.
for i in 1 2 3 4 5; do
  for _ in 1 2; do
    printf 'Your document %d is held.\n' "$i" | gw outbox send alice@example.test "outbox-test reply $i" \
      --key "rig:msg:$i" --in-reply-to "<orig$i@example.test>" >/dev/null
  done
done
check_eq "five rows for ten sends with five keys" "$(gw --json outbox list | grep -oE '"id": ?[0-9]+' | wc -l)" 5
check "each is tried and kept queued while the relay is down" \
  wait_for 20 sh -c "[ \$($PRINTGATE -c $GW_CONF --json outbox list --state queued | grep -oE '\"attempts\": ?[1-9]' | wc -l) -eq 5 ]"
check "the row says why (connection refused)" sh -c "$PRINTGATE -c $GW_CONF --json outbox list | grep -qi 'connect'"
check "the log says when it tries again" grep -q 'attempt 1 for alice@example.test failed, next in' "$GW_LOG"

gw_stop KILL
check "the daemon starts again after SIGKILL" gw_restart
# Still waiting: queued, or "sending" when the restarted sender is trying one
# again at the moment of the look (the relay is still down; seen in CI).
check_eq "the five replies are still waiting (queued or being tried)" \
  "$(gw --json outbox list | grep -oE '"state": ?"(queued|sending)"' | wc -l)" 5
check_eq "none of them sent or failed" "$(gw --json outbox list | grep -oE '"state": ?"(sent|failed)"' | wc -l)" 0

# Relay up: each arrives once.
eval "$(bash "$RIG" start)"
for p in $MAILRIG_PIDS; do peers_track "$p"; done
check "all five sent" wait_for 30 sh -c "[ \$($PRINTGATE -c $GW_CONF --json outbox list --state sent | grep -oE '\"state\": ?\"sent\"' | wc -l) -eq 5 ]"
check "all five in alice's Maildir" wait_for 20 sh -c "[ \$(cat '$MAILDIR'/new/* 2>/dev/null | grep -c '^Subject: outbox-test reply') -eq 5 ]"
sleep 3   # time for a duplicate to arrive
for i in 1 2 3 4 5; do
  check_eq "reply $i delivered exactly once" "$(delivered "outbox-test reply $i")" 1
done
F=$(grep -lF "Subject: outbox-test reply 3" "$MAILDIR"/new/* | head -1)
check "a reply carries Auto-Submitted: auto-replied" grep -q '^Auto-Submitted: auto-replied' "$F"
check "and In-Reply-To" grep -q '^In-Reply-To: <orig3@example.test>' "$F"
check "and a Message-ID of the sender's domain" grep -Eq '^Message-ID: <[0-9a-f]{32}@example.test>' "$F"
check "positive control: Postfix logged the gateway's AUTH" test "$(auths)" -ge 1

# 3. A CA that did not sign the relay's certificate: refused before AUTH.
mkdir -p "$PEERS_DIR/otherca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=other CA" \
  -keyout "$PEERS_DIR/otherca/ca.key" -out "$PEERS_DIR/otherca/ca.crt" 2>/dev/null
sed -i "s|^SmtpCAFile .*|SmtpCAFile $PEERS_DIR/otherca/ca.crt|" "$GW_CONF"
check "reload with the wrong CA" reload
BEFORE=$(auths)
echo "Wrong CA." | gw outbox send alice@example.test "outbox-test wrong ca" --key rig:wrongca >/dev/null
check "the wrong-CA message is tried" \
  wait_for 20 sh -c "$PRINTGATE -c $GW_CONF --json outbox list --state queued | grep -qE '\"attempts\": ?[1-9]'"
check "its row names the certificate" \
  wait_for 20 sh -c "$PRINTGATE -c $GW_CONF --json outbox list --state queued | grep -qi 'certificate'"
check "the log names the certificate" sh -c "grep 'outbox-test\|attempt' '$GW_LOG' | grep -qi 'certificate'"
sleep 2
check_eq "Postfix logged no AUTH for it" "$(auths)" "$BEFORE"
check_eq "it was not delivered" "$(delivered "outbox-test wrong ca")" 0

sed -i "s|^SmtpCAFile .*|SmtpCAFile $CA|" "$GW_CONF"
check "reload with the right CA" reload
retry_queued "outbox-test wrong ca"
check "with the right CA it is delivered (positive control)" wait_for 20 sh -c "[ \$(grep -lF 'Subject: outbox-test wrong ca' '$MAILDIR'/new/* 2>/dev/null | wc -l) -eq 1 ]"
check "after an AUTH" test "$(auths)" -gt "$BEFORE"

# 4. XOAUTH2 (the rig's oauth user: its password is the bearer token): a wrong token is an
#    AUTH failure the admin can fix (queued, not failed); the right one delivers.
TOKEN_ENC=$(echo "wrong-token" | gw secret encrypt)
sed -i -e "s|^SmtpUser .*|SmtpUser oauth@example.test|" -e "s|^SmtpPassword .*|SmtpPassword $TOKEN_ENC|" "$GW_CONF"
echo "SmtpAuth xoauth2" >> "$GW_CONF"
check "reload with XOAUTH2 and a wrong token" reload
echo "By XOAUTH2." | gw outbox send alice@example.test "outbox-test xoauth2" --key rig:xoauth2 >/dev/null
check "a wrong token is tried" \
  wait_for 20 sh -c "$PRINTGATE -c $GW_CONF --json outbox list --state queued | grep -qE '\"attempts\": ?[1-9]'"
check_eq "and kept queued (an AUTH refusal is not the message's fault)" "$(outbox_count failed)" 0
TOKEN_ENC=$(echo "test-access-token-123" | gw secret encrypt)
sed -i "s|^SmtpPassword .*|SmtpPassword $TOKEN_ENC|" "$GW_CONF"
check "reload with the right token" reload
retry_queued "outbox-test xoauth2"
check "the right token delivers it once" wait_for 20 sh -c "[ \$(grep -lF 'Subject: outbox-test xoauth2' '$MAILDIR'/new/* 2>/dev/null | wc -l) -eq 1 ]"
check "Postfix logged an XOAUTH2 AUTH" grep -q 'sasl_method=XOAUTH2, sasl_username=oauth@example.test' "$PFLOG"
check "the token is in neither the log nor the state" sh -c "! grep -rqaF test-access-token-123 '$GW_LOG' '$GW_STATE'"

# 5. SmtpTLS off is for loopback only.
sed -i -e "s|^SmtpServer .*|SmtpServer 192.0.2.1:25|" -e "s|^SmtpTLS .*|SmtpTLS off|" "$GW_CONF"
gw_stop
check "restart with SmtpTLS off towards 192.0.2.1" gw_restart
check "the log refuses it" grep -q 'SmtpTLS off is only allowed for a relay on loopback' "$GW_LOG"

# Secrets stayed secret.
check "the password is in neither the log nor the state" sh -c "! grep -rqaF printpw '$GW_LOG' '$GW_STATE'"
check "positive control: a reply's subject is in the database" sh -c "grep -rqaF 'outbox-test reply 3' '$GW_STATE'"
check "the reply bodies are not in the database (sealed)" sh -c "! grep -rqaF 'Your document 3 is held' '$GW_STATE'"

rig_stop
gw_finish
