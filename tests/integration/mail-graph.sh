#!/usr/bin/env bash
# mail-graph.sh - a graph:// mail source against the FAKE Graph server
# (tests/tools/fake-graph.py, not Microsoft's), docs/mail.md "Microsoft Graph":
#  1. three unread messages (a PDF and a JPEG; a PDF; a PDF) become held jobs
#     of the verified sender, each message gets exactly one reply through the
#     outbox, and each is marked read and moved to Printed once, after its
#     jobs; the listing is paged (@odata.nextLink, two a page);
#  2. the first listing answers 429 Retry-After: 2: the next request comes
#     no sooner than 2 s later (the fake records the times);
#  3. the first token expires after three requests: one new grant (two in
#     all), one 401, and no loop;
#  4. the first download of every message is cut half way: each is taken
#     again later and still held exactly once;
#  5. the client secret is an enc:v1: value (printgate secret encrypt); a
#     message over max-message-mb is refused by its listed size
#     (PidTagMessageSize) without a download, one whose size is not listed
#     once the download passes the cap; both moved to Rejected, the message
#     next to them held;
#  5b. kill -9 three times at random moments during a batch of 8 messages
#     (1-3 PDFs each), then a restart: every attachment held exactly once,
#     every message read and exactly one reply each;
#  5c. a hostile @odata.nextLink naming another origin is not followed
#     (no request reaches it: the token stays home), the message it hid is
#     taken in a later round;
#  6. a certificate from another CA, and a host name the certificate does not
#     name: the source stops with one clear line and the fake saw no request
#     at all (so no Authorization header and no client secret); positive
#     control: verify=no reaches it.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
F=$W/fake
fakems_tls "$F" && fakems_mailbox graph "$F" || { echo "FAIL cannot make the test certificates and messages"; exit 1; }

fakems_start graph "$F" --client-id app-123 --client-secret 's3cret value' --page-size 2 \
  --throttle 2 --expire-after 3 --drop-first || exit 1

: > "$W/sources"; chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "SmtpServer localhost:1" "SmtpRetryDelay 1h" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
SECRET=$(printf 's3cret value\n' | gw secret encrypt)
check "the client secret is encrypted" sh -c "echo '$SECRET' | grep -q '^enc:v1:'"
TOKEN_URL="https://localhost:$FAKE_PORT/tenant-1/oauth2/v2.0/token"
printf '%s\n' "graph graph://localhost:$FAKE_PORT user=print@example.test token-url=$TOKEN_URL client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_stop; gw_restart || exit 1

# ---- 1. held jobs, one reply each, marked and moved after the commit ------------------------
fakems_check_taken graph
check "the listing was paged (a \$skip request)" test "$(fakems_log 'sum(1 for e in r if "skip" in e["path"] and e["status"] == 200)')" -ge 1

# ---- 2. throttling: 429 + Retry-After honoured ----------------------------------------------
fakems_check_throttled 429

# ---- 3. the expired token: refreshed once ---------------------------------------------------
check_eq "one 401 for the expired token" "$(fakems_log 'sum(1 for e in r if e["status"] == 401)')" 1
check_eq "two grants in all (the first, and one after the 401)" "$(fakems_state 's["grants"]')" 2
check "the log says the token was refused and renewed" grep -q "access token was refused" "$GW_LOG"

# ---- 4. dropped downloads: taken again, no duplicate ----------------------------------------
check_eq "every message's first download was cut (and taken again)" "$(fakems_state 'sorted(x["downloads"] for x in m.values())')" "[2, 2, 2]"
check "the cut download is logged" grep -q "Mail source graph: GET .*value: " "$GW_LOG"
check "no request without a bearer token but the token's" test "$(fakems_log 'sum(1 for e in r if not e["auth"] and e["op"] != "token")')" = 0
gw_stop

# ---- 5. over max-message-mb: refused while downloading, moved to Rejected --------------------
peers_stop "$FAKE_PID"
F2=$W/fake2
mkdir -p "$F2/mailbox"
cp "$F"/*.crt "$F"/*.key "$F2/"
head -c 1500000 /dev/urandom > "$W/big.bin"
fakems_message "$F2/mailbox/1.eml" "graph too big" pass "$W/big.bin=big.pdf"
fakems_message "$F2/mailbox/2.eml" "graph small" pass "$F/doc.pdf=small.pdf"
fakems_message "$F2/mailbox/3-nosize.eml" "graph too big, size unknown" pass "$W/big.bin=big2.pdf"
fakems_start graph "$F2" --client-id app-123 --client-secret 's3cret value' || exit 1
printf '%s\n' "graph graph://localhost:$FAKE_PORT user=print@example.test token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt authserv-id=mx.example.test poll=1 max-message-mb=1" > "$W/sources"
gw_restart || exit 1
check "over max-message-mb: moved to Rejected" fakems_wait 30 fakems_is Rejected fakems_state 'm["1.eml"]["folder"]'
check_eq "over max-message-mb: refused by its listed size, never downloaded" "$(fakems_state 'm["1.eml"]["downloads"]')" 0
check "size not listed: moved to Rejected once the download passed the cap" fakems_wait 30 fakems_is "Rejected 1" fakems_state '"%s %d" % (m["3-nosize.eml"]["folder"], m["3-nosize.eml"]["downloads"])'
check "the small one next to them is held" fakems_wait 60 fakems_is 1 fakems_held small.pdf
check "over max-message-mb: the log says why" grep -q "larger than this gateway's limit of 1 MB" "$GW_LOG"
check_eq "over max-message-mb: no job" "$(fakems_held big.pdf failed)$(fakems_held big.pdf)$(fakems_held big2.pdf failed)$(fakems_held big2.pdf)" 0000
gw_stop

# ---- 5b. kill -9 during a batch: every attachment held once, one reply a message -------------
peers_stop "$FAKE_PID"
F3=$W/fake3
mkdir -p "$F3/mailbox"
cp "$F"/*.crt "$F"/*.key "$F3/"
N=8
for ((i = 1; i <= N; i ++)); do
  files=()
  for ((j = 1; j <= 1 + i % 3; j ++)); do files+=("$F/doc.pdf=batch-$i-$j.pdf"); done
  fakems_message "$F3/mailbox/$(printf %02d $i).eml" "graph batch $i" pass "${files[@]}"
done
fakems_start graph "$F3" --client-id app-123 --client-secret 's3cret value' --page-size 3 || exit 1
printf '%s\n' "graph graph://localhost:$FAKE_PORT user=print@example.test token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
mail_kill_rounds 3
check "after 3 kills: every message is read" fakems_wait 120 fakems_is True fakems_state 'all(x["isRead"] for x in m.values())'
dups=0 missing=0 replies=0
for ((i = 1; i <= N; i ++)); do
  for ((j = 1; j <= 1 + i % 3; j ++)); do
    fakems_wait 60 fakems_is 1 fakems_held "batch-$i-$j.pdf"
    c=$(fakems_held "batch-$i-$j.pdf")
    if [ "$c" = 0 ]; then missing=$((missing + 1)); elif [ "$c" != 1 ]; then dups=$((dups + 1)); fi
  done
  fakems_wait 30 fakems_is 1 fakems_replies "graph batch $i"
  [ "$(fakems_replies "graph batch $i")" = 1 ] || replies=$((replies + 1))
done
check_eq "after 3 kills: no attachment held twice" "$dups" 0
check_eq "after 3 kills: no attachment lost" "$missing" 0
check_eq "after 3 kills: every message has exactly one reply" "$replies" 0
echo "note: after 3 kills, $(fakems_state 'sum(x["downloads"] for x in m.values())') downloads for $N messages, $(fakems_state 'sum(1 for x in m.values() if x["folder"] == "Printed")') moved to Printed (a kill between mark-read and move leaves one read in the inbox, not printed again)"
gw_stop

# ---- 5c. a next link to another origin: not followed with the token -------------------------
peers_stop "$FAKE_PID"
F4=$W/fake4
mkdir -p "$F4/mailbox"
cp "$F"/*.crt "$F"/*.key "$F4/"
for i in 1 2 3; do fakems_message "$F4/mailbox/$i.eml" "graph foreign $i" pass "$F/doc.pdf=foreign-$i.pdf"; done
fakems_start graph "$F4" --client-id app-123 --client-secret 's3cret value' --page-size 2 --hostile foreign-next || exit 1
printf '%s\n' "graph graph://localhost:$FAKE_PORT user=print@example.test token-url=https://localhost:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_restart || exit 1
for i in 1 2 3; do
  check "foreign next link: foreign-$i.pdf is held (the third in a later round)" fakems_wait 60 fakems_is 1 fakems_held foreign-$i.pdf
done
check "foreign next link: the log says it was ignored" grep -q "a next page link to another server was ignored" "$GW_LOG"
check_eq "foreign next link: no request went to the other origin" "$(fakems_log 'sum(1 for e in r if e["host"].startswith("127.0.0.1"))')" 0
gw_stop

# ---- 6. a certificate that is not trusted: stopped before any credential --------------------
# bad_source HOST CAFILE: the source line with that host and CA.
bad_source() {
  echo "bad graph://$1:$FAKE_PORT user=print@example.test token-url=https://$1:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$2 poll=1"
}
WHY="Mail source bad: the certificate of the token endpoint .* is not trusted.*no secret was sent"
fakems_tls_refused "another CA" "$(bad_source localhost "$F/other-ca.crt")" "$WHY"
fakems_tls_refused "wrong host name" "$(bad_source 127.0.0.1 "$F/ca.crt")" "$WHY"
# Positive control: the same wrong host with verify=no reaches the fake.
printf '%s\n' "bad graph://127.0.0.1:$FAKE_PORT user=print@example.test token-url=https://127.0.0.1:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt poll=1 verify=no" > "$W/sources"
before=$(wc -l < "$FAKE_LOG")
gw_restart
check "verify=no (the admin's choice): the fake is reached" fakems_wait 20 fakems_is yes fakems_log "'yes' if len(r) > $before else 'no'"
check "verify=no: a warning says so" grep -q "verification is off for this source" "$GW_LOG"
gw_stop

gw_finish
