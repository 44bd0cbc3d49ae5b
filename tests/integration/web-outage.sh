#!/usr/bin/env bash
# web-outage.sh - a sign-in code still arrives after the SMTP server was
# down for a while (issue 13): the code is asked for while nothing listens
# on the relay's port, the portal still says 202 (the code waits in the
# core's outbox, nothing is lost), the outbox row records the failed
# attempts, then an SMTP sink starts on that port and the same code arrives
# through the outbox's retry and signs the address in.  Requests made while
# the relay is down count against the rate limit like any other (an outage
# is no way around it): the address's 6th request in 15 minutes is refused.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

SMTP_PORT=$(peers_free_port)    # nothing listens there yet
gw_start "SmtpServer 127.0.0.1:$SMTP_PORT" "SmtpTLS off" "SmtpFrom print@example.test" \
         "SmtpRetryDelay 1s" "SmtpRetryMax 2s" || exit 1
BASE="https://127.0.0.1:$GW_PORT"
gw user add carol --email carol@example.test >/dev/null
gw address verify carol@example.test >/dev/null

api() {   # api METHOD PATH [BODY] [JAR]: body to $W/out, echo the status
  curl -sk -o "$W/out" -w '%{http_code}' -X "$1" -b "${4:-$W/none}" -c "${4:-$W/none}" \
       -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$BASE$2"
}

check_eq "the relay is down: a code is still asked for (202)" "$(api POST /api/v1/signin/code '{"address":"carol@example.test"}' "$W/jar")" 202
check "the outbox keeps it queued and records failed attempts" \
  peers_wait 20 sh -c "$PRINTGATE -c $GW_CONF --json outbox list | python3 -c 'import json,sys; r=[m for m in json.load(sys.stdin)[\"outbox\"] if \"carol@example.test\" in m[\"to\"]]; sys.exit(0 if r and r[0][\"state\"] == \"queued\" and r[0][\"attempts\"] >= 2 else 1)'"
$PRINTGATE -c "$GW_CONF" outbox list | sed 's/^/    /'
check "positive control: no mail could have arrived (no sink yet)" test ! -e "$W/mail"

# The relay comes back: the queued code goes out by the outbox's retry.
mkdir -p "$W/mail"
python3 "$GW_SOURCE_DIR/tests/lib/smtp-sink.py" "$SMTP_PORT" "$W/mail" &
SINK=$!
peers_track "$SINK"
peers_wait_port "$SMTP_PORT" 10
check "the code arrives once the relay is back" \
  peers_wait 30 sh -c "grep -qil '^To: <\\{0,1\\}carol@example.test' $W/mail/*.eml 2>/dev/null"
CODE=$(python3 - "$W/mail" <<'EOF2'
import email, glob, re, sys
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(path, "rb"))
    found = re.search(r"code is (\d{6})", m.get_payload(decode=True).decode())
    if found:
        print(found.group(1))
EOF2
)
check "one mail with one code ($CODE)" sh -c "[ \$(echo '$CODE' | wc -w) -eq 1 ]"
check_eq "that code signs carol in" "$(api POST /api/v1/signin/verify "{\"address\":\"carol@example.test\",\"code\":\"$CODE\"}" "$W/jar")" 200
check "the outbox says sent" sh -c "$PRINTGATE -c $GW_CONF outbox list | grep carol@example.test | grep -q sent"

# An outage is no way around the rate limit: with the relay down again, the
# address's requests still count (4 more make 5 in 15 minutes), and the 6th
# is refused.
kill "$SINK"; wait "$SINK" 2>/dev/null
for i in 2 3 4 5; do
  check_eq "relay down again: request $i is taken (202)" "$(api POST /api/v1/signin/code '{"address":"carol@example.test"}' "$W/jar2")" 202
done
check_eq "the 6th request for the address in 15 minutes is refused (429)" \
  "$(api POST /api/v1/signin/code '{"address":"carol@example.test"}' "$W/jar2")" 429

gw_stop
gw_finish
