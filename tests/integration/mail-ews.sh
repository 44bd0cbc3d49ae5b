#!/usr/bin/env bash
# mail-ews.sh - an ews:// mail source against the FAKE EWS server
# (tests/tools/fake-ews.py, not Microsoft's), docs/mail.md "EWS":
#  1. Basic auth (on-premises): three unread items (a PDF and a JPEG; a PDF;
#     a PDF) become held jobs of the verified sender; each message gets exactly
#     one reply through the outbox; each is marked read (UpdateItem) and moved
#     (MoveItem) to Printed once, after its jobs; FindItem is paged
#     (IndexedPageItemView, one item a page); the MIME comes base64 in GetItem;
#  2. the first FindItem answers 503 Retry-After: 2: the next request comes no
#     sooner than 2 s later;
#  3. the first GetItem of every item is cut half way: each is taken again
#     later and still held exactly once;
#  4. OAuth2 bearer (a second fake, client credentials, ExchangeImpersonation):
#     the token expires after two requests: one new grant, one 401; a message
#     over max-message-mb is refused by its item:Size without a GetItem and
#     moved to Rejected;
#  4b. a hostile answer (a DOCTYPE with nested entities) is refused with a
#     log line and an error in /health, nothing is downloaded or marked;
#  5. another CA / a wrong host name: the source stops with one clear line and
#     the fake saw no request (no Authorization header); verify=no reaches it.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
F=$W/fake
fakems_tls "$F" && fakems_mailbox ews "$F" || { echo "FAIL cannot make the test certificates and messages"; exit 1; }

fakems_start ews "$F" --user 'EXAMPLE\print' --password 'ews pw' --page-size 1 --throttle 2 --drop-first || exit 1

: > "$W/sources"; chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "SmtpServer localhost:1" "SmtpRetryDelay 1h" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
PW=$(printf 'ews pw\n' | gw secret encrypt)
printf '%s\n' "ews ews://localhost:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_stop; gw_restart || exit 1

# ---- 1. held jobs, one reply each, marked and moved after the commit ------------------------
fakems_check_taken ews
check "FindItem was paged (an Offset past 0)" test "$(fakems_log 'sum(1 for e in r if e["op"].startswith("FindItem@") and e["op"] != "FindItem@0")')" -ge 1
check_eq "every request had an Authorization header" "$(fakems_log 'sum(1 for e in r if not e["auth"])')" 0

# ---- 2. throttling: 503 + Retry-After honoured ----------------------------------------------
fakems_check_throttled 503

# ---- 3. dropped GetItem: taken again, no duplicate ------------------------------------------
check_eq "every item's first GetItem was cut (and taken again)" "$(fakems_state 'sorted(x["downloads"] for x in m.values())')" "[2, 2, 2]"
gw_stop
peers_stop "$FAKE_PID"

# ---- 4. OAuth2 bearer, an expired token -----------------------------------------------------
F2=$W/fake2
mkdir -p "$F2/mailbox"
cp "$F"/ca.* "$F"/server.* "$F"/other-ca.* "$F2/"
fakems_message "$F2/mailbox/1.eml" "ews bearer" pass "$F/doc.pdf=b1.pdf"
fakems_message "$F2/mailbox/2.eml" "ews bearer two" pass "$F/doc.pdf=b2.pdf"
head -c 1500000 /dev/urandom > "$W/big.bin"
fakems_message "$F2/mailbox/3.eml" "ews too big" pass "$W/big.bin=big.pdf"
fakems_start ews "$F2" --client-id ews-app --client-secret app-secret --expire-after 2 || exit 1
printf '%s\n' "ews ews://localhost:$FAKE_PORT user=print@example.test auth=oauth2 token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=ews-app client-secret=app-secret cafile=$F/ca.crt authserv-id=mx.example.test poll=1 max-message-mb=1" > "$W/sources"
gw_restart || exit 1
check "bearer: b1.pdf is held" fakems_wait 60 fakems_is 1 fakems_held b1.pdf
check "bearer: b2.pdf is held" fakems_wait 60 fakems_is 1 fakems_held b2.pdf
check "bearer: both items in Printed" fakems_wait 20 fakems_is True fakems_state 'm["1.eml"]["folder"] == m["2.eml"]["folder"] == "Printed"'
check "over max-message-mb: moved to Rejected" fakems_wait 20 fakems_is Rejected fakems_state 'm["3.eml"]["folder"]'
check_eq "over max-message-mb: refused by its Size, never downloaded" "$(fakems_state 'm["3.eml"]["downloads"]')" 0
check "over max-message-mb: the log says why" grep -q "larger than this gateway's limit of 1 MB" "$GW_LOG"
check_eq "bearer: one 401 for the expired token" "$(fakems_log 'sum(1 for e in r if e["status"] == 401)')" 1
check_eq "bearer: two grants in all" "$(fakems_state 's["grants"]')" 2
gw_stop

# ---- 4b. a hostile server: a DOCTYPE with nested entities is refused, nothing taken ---------
peers_stop "$FAKE_PID"
F3=$W/fake3
mkdir -p "$F3/mailbox"
cp "$F"/*.crt "$F"/*.key "$F3/"
fakems_message "$F3/mailbox/1.eml" "ews hostile" pass "$F/doc.pdf=hostile.pdf"
fakems_start ews "$F3" --user 'EXAMPLE\print' --password 'ews pw' --hostile doctype || exit 1
printf '%s\n' "ews ews://localhost:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_restart || exit 1
check "DOCTYPE: the answer is refused, with a log line" fakems_wait 20 grep -q "Mail source ews: the answer to FindItem is not EWS's SOAP" "$GW_LOG"
check "DOCTYPE: tried again after the backoff" fakems_wait 20 fakems_is True fakems_log 'sum(1 for e in r if e["op"].startswith("FindItem")) >= 2'
check_eq "DOCTYPE: nothing downloaded, nothing marked" "$(fakems_state 'm["1.eml"]["downloads"] + m["1.eml"]["marks"]')" 0
check "DOCTYPE: /health says error" fakems_is True fakems_health 'src["status"] == "error" and "SOAP" in src["last_error"]'
check "DOCTYPE: the daemon still answers" gw status
gw_stop

# ---- 5. a certificate that is not trusted: stopped before any credential --------------------
fakems_tls_refused "another CA" "bad ews://localhost:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/other-ca.crt poll=1" \
  "Mail source bad: the certificate of localhost is not trusted.*no credential was sent"
fakems_tls_refused "wrong host name" "bad ews://127.0.0.1:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt poll=1" \
  "Mail source bad: the certificate of 127.0.0.1 is not trusted.*no credential was sent"
printf '%s\n' "bad ews://127.0.0.1:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt poll=1 verify=no" > "$W/sources"
before=$(wc -l < "$FAKE_LOG")
gw_restart
check "verify=no (the admin's choice): the fake is reached" fakems_wait 20 fakems_is yes fakems_log "'yes' if len(r) > $before else 'no'"
gw_stop

gw_finish
