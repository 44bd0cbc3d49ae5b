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
#  5. the client secret is an enc:v1: value (printgate secret encrypt);
#  6. a certificate from another CA, and a host name the certificate does not
#     name: the source stops with one clear line and the fake saw no request
#     at all (so no Authorization header and no client secret); positive
#     control: verify=no reaches it.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/fake-ms.sh"
peers_init
W=$PEERS_DIR
F=$W/fake
fakems_tls "$F" || { echo "FAIL cannot make the test certificates"; exit 1; }
mkdir -p "$F/mailbox"

gw_make_pdf "$W/doc.pdf" 2 "Graph PDF"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r30 -sOutputFile="$W/photo.jpg" -c "0 0 1 setrgbcolor 0 0 200 200 rectfill showpage" >/dev/null
fakems_message "$F/mailbox/1.eml" "graph one" pass "$W/doc.pdf=g1.pdf" "$W/photo.jpg=g1.jpg"
fakems_message "$F/mailbox/2.eml" "graph two" pass "$W/doc.pdf=g2.pdf"
fakems_message "$F/mailbox/3.eml" "graph three" pass "$W/doc.pdf=g3.pdf"

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
for n in g1.pdf g1.jpg g2.pdf g3.pdf; do
  check "$n is held for alice" fakems_wait 60 fakems_is 1 fakems_held $n
done
for s in one two three; do
  check "graph $s: exactly one reply in the outbox" fakems_wait 30 fakems_is 1 fakems_replies "graph $s"
done
check "/health: the source is ok, with a last success" fakems_wait 10 fakems_is True fakems_health 'src["name"] == "graph" and src["status"] == "ok" and src["last_success"] > 0'
check "every message is read and in Printed" fakems_wait 20 fakems_is True fakems_state 'all(x["isRead"] and x["folder"] == "Printed" for x in m.values())'
sleep 3   # more polls: nothing is taken twice
for n in g1.pdf g1.jpg g2.pdf g3.pdf; do
  check_eq "$n: still exactly one job" "$(( $(fakems_held $n) + $(fakems_held $n converting) + $(fakems_held $n failed) ))" 1
done
check_eq "each message marked read once and moved once" "$(fakems_state 'sorted((x["marks"], x["moves"]) for x in m.values())')" "[(1, 1), (1, 1), (1, 1)]"
check_eq "the folder Printed was made once" "$(fakems_state 'list(s["folders"].values()).count("Printed")')" 1
check "the listing was paged (a \$skip request)" test "$(fakems_log 'sum(1 for e in r if "skip" in e["path"] and e["status"] == 200)')" -ge 1
for s in one two three; do
  check_eq "graph $s: still one reply" "$(fakems_replies "graph $s")" 1
done
gw outbox list > "$W/outbox.txt"
check "the replies go to alice" grep -q "alice@example.test" "$W/outbox.txt"

# ---- 2. throttling: 429 + Retry-After honoured ----------------------------------------------
check_eq "the first listing was throttled (429)" "$(fakems_log '[e["status"] for e in r if e["op"] != "token"][0]')" 429
GAP=$(fakems_log '"%.2f" % ([e for e in r if e["op"] != "token"][1]["t"] - [e for e in r if e["status"] == 429][0]["t"])')
echo "note: the request after the 429 came ${GAP} s later (Retry-After: 2)"
check "the next request waited Retry-After (>= 2 s)" /usr/bin/python3 -c "import sys; sys.exit(0 if $GAP >= 1.95 else 1)"

# ---- 3. the expired token: refreshed once ---------------------------------------------------
check_eq "one 401 for the expired token" "$(fakems_log 'sum(1 for e in r if e["status"] == 401)')" 1
check_eq "two grants in all (the first, and one after the 401)" "$(fakems_state 's["grants"]')" 2
check "the log says the token was refused and renewed" grep -q "access token was refused" "$GW_LOG"

# ---- 4. dropped downloads: taken again, no duplicate ----------------------------------------
check_eq "every message's first download was cut (and taken again)" "$(fakems_state 'sorted(x["downloads"] for x in m.values())')" "[2, 2, 2]"
check "the cut download is logged" grep -q "Mail source graph: GET .*value: " "$GW_LOG"
check "no request without a bearer token but the token's" test "$(fakems_log 'sum(1 for e in r if not e["auth"] and e["op"] != "token")')" = 0
gw_stop

# ---- 6. a certificate that is not trusted: stopped before any credential --------------------
tls_refused() {   # tls_refused LABEL HOST CAFILE
  printf '%s\n' "bad graph://$2:$FAKE_PORT user=print@example.test token-url=https://$2:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$3 poll=1" > "$W/sources"
  local before
  before=$(wc -l < "$FAKE_LOG")
  : > "$GW_LOG"
  gw_restart || return
  check "$1: the source stops with one clear line" fakems_wait 20 grep -q "Mail source bad: the certificate of the token endpoint .* is not trusted.*no secret was sent" "$GW_LOG"
  check "$1: /health says the source stopped, and why" fakems_is True fakems_health 'src["status"] == "stopped" and "not trusted" in src["last_error"]'
  sleep 2
  check_eq "$1: the fake saw no request (no secret, no Authorization)" "$(wc -l < "$FAKE_LOG")" "$before"
  check_eq "$1: it did not try again" "$(grep -c 'is not trusted' "$GW_LOG")" 1
  gw_stop
}
tls_refused "another CA" localhost "$F/other-ca.crt"
tls_refused "wrong host name" 127.0.0.1 "$F/ca.crt"
# Positive control: the same wrong host with verify=no reaches the fake.
printf '%s\n' "bad graph://127.0.0.1:$FAKE_PORT user=print@example.test token-url=https://127.0.0.1:$FAKE_PORT/t/oauth2/v2.0/token client-id=app-123 client-secret=$SECRET cafile=$F/ca.crt poll=1 verify=no" > "$W/sources"
before=$(wc -l < "$FAKE_LOG")
gw_restart
check "verify=no (the admin's choice): the fake is reached" fakems_wait 20 fakems_is yes fakems_log "'yes' if len(r) > $before else 'no'"
check "verify=no: a warning says so" grep -q "verification is off for this source" "$GW_LOG"
gw_stop

gw_finish
