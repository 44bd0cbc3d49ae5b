#!/usr/bin/env bash
# mail-oauth.sh - OAuth2 against the real mail rig (tests/lib/mail-rig.sh:
# Dovecot with auth_mechanisms xoauth2 oauthbearer, Postfix submission with
# Dovecot SASL) and a FAKE token endpoint (tests/tools/fake-graph.py: a
# local HTTPS server that counts its grants; the token each grant hands out
# is read from a file the test changes, expires_in is short):
#  1. the SMTP outbox with SmtpAuth oauthbearer and SmtpTokenURL: the reply
#     is sent with a granted token (Postfix logs sasl_method=OAUTHBEARER);
#     a second one within the token's life takes no grant (cached); one
#     after the expiry takes one new grant; a revoked token (the relay says
#     535, its error challenge logged in words) gets one new grant, then the row waits queued with the relay's
#     answer, and is delivered once when the endpoint grants a good token
#     again; XOAUTH2 the same way (sasl_method=XOAUTH2); a token endpoint
#     that refuses the grant (a wrong client secret, in plain text: warned
#     about by name) leaves the mail queued
#     with the endpoint's reason in the log, and the refresh-token grant
#     then delivers it; nothing is lost and nothing is sent twice;
#  2. an IMAPS and a POP3S source with sasl=oauthbearer: the first token
#     granted is refused by Dovecot (its error challenge is put in words in
#     the log: status "invalid_token"), one new grant, the login (Dovecot's
#     log: method=OAUTHBEARER), and a mailed PDF becomes a held job;
#  3. no token, client secret or refresh token in the gateway's log or state.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
fakems_rig_start
DLOG="$MAILRIG_DIR/log/dovecot.log"
PFLOG="$MAILRIG_DIR/log/postfix.log"
ALICE_MD="$MAILRIG_DIR/mail/alice@example.test/Maildir"
GOOD=test-access-token-123        # the rig's Dovecot takes it for oauth@example.test

# delivered SUBJECT: messages in alice's Maildir with that subject.
delivered() { grep -lF "Subject: $1" "$ALICE_MD"/new/* "$ALICE_MD"/cur/* 2>/dev/null | wc -l; }
is_delivered() { [ "$(delivered "$1")" = "${2:-1}" ]; }
grants() { fakems_state 's["grants"]'; }
outbox_send() { echo "Body of $1." | gw outbox send alice@example.test "$1" --key "oauth:$1" >/dev/null; }
reload() {
  local before; before=$(grep -c 'Configuration reloaded' "$GW_LOG")
  kill -HUP "$GW_PID"
  fakems_wait 10 sh -c "[ \$(grep -c 'Configuration reloaded' '$GW_LOG') -gt $before ]"
}
set_conf() {      # set_conf NAME VALUE: replace (or add) a directive
  sed -i "/^$1 /d" "$GW_CONF"
  [ -z "$2" ] || echo "$1 $2" >> "$GW_CONF"
}

# The token endpoint: client "smtp-app" (secret "smtp-secret-XYZ", refresh token "refresh-ABC..."
# of 3,000 bytes: Microsoft 365's are often longer than 1,024).
BIG_RT="refresh-ABC-$(python3 -c 'print("x7" * 1494)')"
fakems_tls "$W/token" && mkdir -p "$W/token/mailbox" || exit 1
echo "$GOOD" > "$W/token/issue"
fakems_start graph "$W/token" --client-id smtp-app --client-secret smtp-secret-XYZ --refresh-token "$BIG_RT" \
  --token-file "$W/token/issue" --expires-in 30 || exit 1
TOKEN_URL="https://localhost:$FAKE_PORT/t/oauth2/v2.0/token"

gw_start "SmtpServer localhost:$MAILRIG_SUBMISSION" "SmtpTLS required" "SmtpCAFile $MAILRIG_CA" \
         "SmtpUser oauth@example.test" "SmtpFrom oauth@example.test" "SmtpAuth oauthbearer" \
         "SmtpTokenURL $TOKEN_URL" "SmtpTokenCAFile $W/token/ca.crt" "SmtpClientId smtp-app" \
         "SmtpRetryDelay 1s" "SmtpRetryMax 2s" "SmtpTimeout 10s" || exit 1
SECRET_ENC=$(echo "smtp-secret-XYZ" | gw secret encrypt)
set_conf SmtpClientSecret "$SECRET_ENC"
check "reload with SmtpClientSecret (enc:v1:)" reload

# ---- 1. the outbox ----------------------------------------------------------------------------
outbox_send "oauth one"
check "OAUTHBEARER: the first reply is delivered" fakems_wait 20 is_delivered "oauth one"
check "Postfix logged an OAUTHBEARER AUTH" grep -q 'sasl_method=OAUTHBEARER, sasl_username=oauth@example.test' "$PFLOG"
check_eq "one client-credentials grant" "$(fakems_state 's["grant_types"]')" "['client_credentials']"
outbox_send "oauth two"
check "the second reply is delivered" fakems_wait 20 is_delivered "oauth two"
check_eq "within the token's life: no new grant (cached)" "$(grants)" 1
# expires_in 30: the gateway uses a token that short-lived for half its life,
# 15 s (8 s, used for 4 s, was too short for two deliveries on a loaded CI
# machine: the second one took a new grant).
sleep 16
outbox_send "oauth three"
check "after the expiry, the third reply is delivered" fakems_wait 20 is_delivered "oauth three"
check_eq "after the expiry: one new grant" "$(grants)" 2

echo "revoked-token-QQQ" > "$W/token/issue"
sleep 16
outbox_send "oauth four"
check "a revoked token: the relay's refusal is logged" fakems_wait 20 grep -q "Outbox: the relay refused the OAuth2 token" "$GW_LOG"
# (the rig's Dovecot answers each further failed AUTH more slowly: 4 s, 8 s, then past SmtpTimeout)
check "and the row waits with the relay's answer" fakems_wait 40 sh -c "$PRINTGATE -c $GW_CONF --json outbox list | grep -q 'last answer: 535'"
check "refused: a grant after the expiry, then one new grant after the 535" test "$(grants)" -ge 4
check_eq "not delivered yet" "$(delivered "oauth four")" 0
check "the relay's OAUTHBEARER error challenge is in the log in words" grep -qF 'the server refused the token: status "invalid_token"' "$GW_LOG"
check_eq "nothing failed for good (an AUTH refusal is not the message's fault)" "$(gw --json outbox list --state failed | grep -c '"id"')" 0
echo "$GOOD" > "$W/token/issue"
check "the endpoint grants a good token again: delivered" fakems_wait 30 is_delivered "oauth four"
sleep 2
check_eq "delivered once" "$(delivered "oauth four")" 1
ATTEMPTS=$(gw --json outbox list --state sent | /usr/bin/python3 -c '
import json, sys
def rows(x):
    if isinstance(x, dict):
        if "attempts" in x and "oauth four" in json.dumps(x): yield x
        for v in x.values(): yield from rows(v)
    elif isinstance(x, list):
        for v in x: yield from rows(v)
print(max(r["attempts"] for r in rows(json.load(sys.stdin))))')
echo "note: 'oauth four' took $ATTEMPTS attempts and the endpoint $(grants) grants in all"
check "no grant loop: at most two grants per attempt (an expired token, then one after the 535)" test "$(grants)" -le $((2 + 2 * ATTEMPTS))

set_conf SmtpAuth xoauth2
check "reload with SmtpAuth xoauth2" reload
outbox_send "oauth five"
check "XOAUTH2: delivered" fakems_wait 20 is_delivered "oauth five"
check "Postfix logged an XOAUTH2 AUTH" grep -q 'sasl_method=XOAUTH2, sasl_username=oauth@example.test' "$PFLOG"

BEFORE=$(grants)
set_conf SmtpClientSecret "wrong-secret-WWW"
check "reload with a wrong client secret, in plain text" reload
outbox_send "oauth six"
check "the endpoint's refusal is logged in words" fakems_wait 20 grep -q "no OAuth2 token for oauth@example.test: the token endpoint refused the client-credentials grant: HTTP 400 invalid_client" "$GW_LOG"
check "the row waits, queued, with the reason" fakems_wait 20 sh -c "$PRINTGATE -c $GW_CONF --json outbox list --state queued | grep -q 'invalid_client'"
check_eq "not delivered" "$(delivered "oauth six")" 0
check "the plain-text client secret is warned about (by name)" grep -q "SmtpClientSecret is in plain text in the configuration" "$GW_LOG"
set_conf SmtpClientSecret ""
check_eq "the refresh token is 3,000 bytes" "${#BIG_RT}" 3000
check "a secret of 4,097 bytes is refused with a sentence" sh -c "! python3 -c 'print(\"y\" * 4097)' | $PRINTGATE -c $GW_CONF secret encrypt > '$W/big.out' 2>&1 && grep -q 'a secret is 1 to 4096 bytes' '$W/big.out'"
check "  one of 4,096 bytes is sealed" sh -c "python3 -c 'print(\"y\" * 4096)' | $PRINTGATE -c $GW_CONF secret encrypt | grep -q '^enc:v1:'"
set_conf SmtpRefreshToken "$(echo "$BIG_RT" | gw secret encrypt)"
check "  the 3,000-byte refresh token is sealed" grep -q '^SmtpRefreshToken enc:v1:' "$GW_CONF"
check "reload with SmtpRefreshToken (refresh-token grant)" reload
check "the refresh-token grant delivers it" fakems_wait 30 is_delivered "oauth six"
check_eq "the last grant was a refresh-token grant" "$(fakems_state 's["grant_types"][-1]')" "refresh_token"
check "the settings changed on reload: a new grant" test "$(grants)" -gt "$BEFORE"
sleep 2
for s in one two three four five six; do
  check_eq "oauth $s: delivered exactly once" "$(delivered "oauth $s")" 1
done
check_eq "the outbox holds nothing queued" "$(gw --json outbox list --state queued | grep -c '"id"')" 0

# ---- 2. IMAP and POP3 sources with OAUTHBEARER ------------------------------------------------
# A second endpoint for the sources: its first grant is a token Dovecot refuses.
mkdir -p "$W/token2/mailbox" && cp "$W"/token/*.crt "$W"/token/*.key "$W/token2/"
fakems_start graph "$W/token2" --client-id src-app --client-secret src-secret-SSS --token-value "$GOOD" --token-first expired-token-EEE || exit 1
SRC_TOKEN_STATE=$FAKE_STATE
cat > "$W/sources" <<EOF
imapob imaps://localhost:$MAILRIG_IMAPS/INBOX user=oauth@example.test auth=oauth2 sasl=oauthbearer token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=src-app client-secret=src-secret-SSS token-cafile=$W/token/ca.crt cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1 done=flag
EOF
chmod 600 "$W/sources"
# POP3: the rig's Dovecot takes an OAuth token like a password: bob's token is "bobpw".
mkdir -p "$W/token3/mailbox" && cp "$W"/token/*.crt "$W"/token/*.key "$W/token3/"
fakems_start graph "$W/token3" --client-id pop-app --client-secret pop-secret-PPP --token-value bobpw --token-first expired-token-FFF || exit 1
POP_TOKEN_STATE=$FAKE_STATE
echo "popob pop3s://localhost:$MAILRIG_POP3S user=bob@example.test auth=oauth2 sasl=oauthbearer token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=pop-app client-secret=pop-secret-PPP token-cafile=$W/token/ca.crt cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1 done=delete" >> "$W/sources"
gw_stop
echo "MailSourceFile $W/sources" >> "$GW_CONF"
check "restart with two OAUTHBEARER sources" gw_restart
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
gw_make_pdf "$W/doc.pdf" 1 "OAuth PDF"
for to in oauth bob; do
  FAKEMS_TO=$to@example.test fakems_message "$W/msg.eml" "ob $to" pass "$W/doc.pdf=ob-$to.pdf" &&
    curl -sS "smtp://127.0.0.1:$MAILRIG_SMTP" --mail-from alice@example.test --mail-rcpt "$to@example.test" -T "$W/msg.eml"
done
check "IMAP OAUTHBEARER: the PDF is held for alice" fakems_wait 60 fakems_is 1 fakems_held ob-oauth.pdf
check "POP3 OAUTHBEARER: the PDF is held for alice" fakems_wait 60 fakems_is 1 fakems_held ob-bob.pdf
check "IMAP: signed in with OAUTHBEARER (Dovecot's log)" grep -q "imap-login: Info: Login: user=<oauth@example.test>, method=OAUTHBEARER" "$DLOG"
check "POP3: signed in with OAUTHBEARER (Dovecot's log)" grep -q "pop3-login: Info: Login: user=<bob@example.test>, method=OAUTHBEARER" "$DLOG"
check "IMAP: the refused token's error challenge in words" \
  grep -q 'Mail source imapob: AUTHENTICATE OAUTHBEARER for oauth@example.test: the server refused the token: status "invalid_token"' "$GW_LOG"
check "POP3: the refused token's error challenge in words" \
  grep -q 'Mail source popob: AUTH OAUTHBEARER for bob@example.test: the server refused the token: status "invalid_token"' "$GW_LOG"
check_eq "IMAP: two grants (the refused token, then a good one)" "$(python3 -c "import json; print(json.load(open('$SRC_TOKEN_STATE'))['grants'])")" 2
check_eq "POP3: two grants" "$(python3 -c "import json; print(json.load(open('$POP_TOKEN_STATE'))['grants'])")" 2
check "the replies arrive" fakems_wait 60 sh -c "[ \$(grep -lE '^Subject: Printed: ob (oauth|bob)' '$ALICE_MD'/new/* 2>/dev/null | wc -l) -eq 2 ]"

# ---- 3. secrets ---------------------------------------------------------------------------------
check "positive control: the log names the token endpoint" grep -qF "token endpoint" "$GW_LOG"
for secret in "$GOOD" revoked-token-QQQ expired-token-EEE expired-token-FFF bobpw smtp-secret-XYZ wrong-secret-WWW refresh-ABC src-secret-SSS pop-secret-PPP; do
  check "'$secret' is in neither the log nor the state" sh -c "! grep -rqaF '$secret' '$GW_LOG' '$GW_STATE' '$GW_DIR/stdout'"
done

gw_stop
gw_finish
