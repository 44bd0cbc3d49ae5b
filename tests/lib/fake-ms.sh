# fake-ms.sh - sourceable helpers for the tests of the graph:// and ews://
# mail sources against the FAKE servers tests/tools/fake-graph.py and
# fake-ews.py (not Microsoft's: small local HTTPS servers speaking the
# documented wire formats).  Source tests/lib/peers.sh and gateway.sh first.
#
#   fakems_tls DIR              a test CA (DIR/ca.crt), a server certificate for
#                               DNS:localhost only (DIR/server.crt, .key), and a
#                               second, unrelated CA (DIR/other-ca.crt)
#   fakems_message OUT SUBJECT AR FILE[=NAME]...
#                               a message from alice@example.test to $FAKEMS_TO
#                               (default print@example.test) with those
#                               attachments and the Authentication-Results the
#                               trusted MTA (mx.example.test) would add (AR: pass/fail)
#   fakems_mailbox KIND DIR     DIR/mailbox with three messages: "KIND one" (a PDF
#                               and a JPEG, K1.pdf K1.jpg), "KIND two" (K2.pdf),
#                               "KIND three" (K3.pdf), K the first letter of KIND
#   fakems_check_taken KIND     the three messages of fakems_mailbox: each attachment held
#                               once, one outbox reply each, each marked read once and
#                               moved to Printed once (the folder made once), /health ok
#   fakems_check_throttled STATUS  the first request (not the token's) got STATUS and
#                               the next came Retry-After (2 s) later
#   fakems_tls_refused LABEL SOURCE-LINE LOG-REGEX
#                               the source stops with one line matching LOG-REGEX,
#                               /health says stopped, the fake saw no request
#   fakems_start KIND DIR ARGS...   start fake-KIND.py (graph or ews) on a free
#                               port with DIR/mailbox/*.eml; sets FAKE_PORT FAKE_PID
#                               FAKE_LOG (JSON lines) FAKE_STATE (JSON)
#   fakems_state EXPR           evaluate a Python expression over the state
#                               (s: the state, m: its messages by file name)
#   fakems_log EXPR             the same over the request log (r: list of entries)
#   fakems_rig_start            start the mail rig (tests/lib/mail-rig.sh) in $W/rig on a
#                               port base of its own (peers_reserve_mailrig), set MAILRIG_*,
#                               stop it on exit; exit 1 if it fails
#   fakems_jobs                 "NAME<TAB>STATE<TAB>REASON" for every job of alice, one a line

fakems_tls() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=fake-ms test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
    -keyout "$d/other-ca.key" -out "$d/other-ca.crt" 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
  printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/ext.cnf" &&
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
}

fakems_message() {
  local out=$1 subject=$2 ar=$3; shift 3
  /usr/bin/python3 - "${FAKEMS_TO:-print@example.test}" "$subject" "$ar" "$@" > "$out" <<'PY'
import sys, email.message, email.utils, os
to, subject, ar, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
m = email.message.EmailMessage()
m["Authentication-Results"] = "mx.example.test; spf=%s smtp.mailfrom=alice@example.test; dkim=%s header.d=example.test; dmarc=%s header.from=example.test" % (ar, ar, ar)
m["From"] = "Alice <alice@example.test>"; m["To"] = to; m["Subject"] = subject
m["Message-ID"] = email.utils.make_msgid(domain="example.test")
m.set_content("Please print.\n")
for f in files:
    path, _, name = f.partition("=")
    data = open(path, "rb").read()
    maintype, subtype = ("image", "jpeg") if path.endswith(".jpg") else ("application", "pdf")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name or os.path.basename(path))
sys.stdout.write(m.as_string())
PY
}

fakems_mailbox() {
  local kind=$1 d=$2 k=${1:0:1}
  mkdir -p "$d/mailbox"
  gw_make_pdf "$d/doc.pdf" 2 "$kind PDF" &&
  gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r30 -sOutputFile="$d/photo.jpg" -c "0 0 1 setrgbcolor 0 0 200 200 rectfill showpage" >/dev/null &&
  fakems_message "$d/mailbox/1.eml" "$kind one" pass "$d/doc.pdf=${k}1.pdf" "$d/photo.jpg=${k}1.jpg" &&
  fakems_message "$d/mailbox/2.eml" "$kind two" pass "$d/doc.pdf=${k}2.pdf" &&
  fakems_message "$d/mailbox/3.eml" "$kind three" pass "$d/doc.pdf=${k}3.pdf"
}

fakems_check_taken() {
  local kind=$1 k=${1:0:1} n s
  for n in ${k}1.pdf ${k}1.jpg ${k}2.pdf ${k}3.pdf; do
    check "$n is held for alice" fakems_wait 60 fakems_is 1 fakems_held $n
  done
  for s in one two three; do
    check "$kind $s: exactly one reply in the outbox" fakems_wait 30 fakems_is 1 fakems_replies "$kind $s"
  done
  check "/health: the source is ok, with a last success" fakems_wait 10 fakems_is True fakems_health "src['name'] == '$kind' and src['status'] == 'ok' and src['last_success'] > 0"
  check "every message is read and in Printed" fakems_wait 20 fakems_is True fakems_state 'all(x["isRead"] and x["folder"] == "Printed" for x in m.values())'
  sleep 3   # more polls: nothing is taken twice
  for n in ${k}1.pdf ${k}1.jpg ${k}2.pdf ${k}3.pdf; do
    check_eq "$n: still exactly one job" "$(( $(fakems_held $n) + $(fakems_held $n converting) + $(fakems_held $n failed) ))" 1
  done
  check_eq "each message marked read once and moved once" "$(fakems_state 'sorted((x["marks"], x["moves"]) for x in m.values())')" "[(1, 1), (1, 1), (1, 1)]"
  check_eq "the folder Printed was made once" "$(fakems_state 'list(s["folders"].values()).count("Printed")')" 1
  for s in one two three; do
    check_eq "$kind $s: still one reply" "$(fakems_replies "$kind $s")" 1
  done
  gw outbox list > "$PEERS_DIR/outbox.txt"
  check "the replies go to alice" grep -q "alice@example.test" "$PEERS_DIR/outbox.txt"
}

fakems_check_throttled() {
  local gap
  check_eq "the first request was throttled ($1)" "$(fakems_log '[e["status"] for e in r if e["op"] != "token"][0]')" "$1"
  gap=$(fakems_log '"%.2f" % ([e for e in r if e["op"] != "token"][1]["t"] - [e for e in r if e["op"] != "token"][0]["t"])')
  echo "note: the request after the $1 came $gap s later (Retry-After: 2)"
  check "the next request waited Retry-After (>= 2 s)" /usr/bin/python3 -c "import sys; sys.exit(0 if $gap >= 1.95 else 1)"
}

fakems_tls_refused() {
  local before
  printf '%s\n' "$2" > "$W/sources"
  before=$(wc -l < "$FAKE_LOG")
  : > "$GW_LOG"
  gw_restart || return
  check "$1: the source stops with one clear line" fakems_wait 20 grep -q "$3" "$GW_LOG"
  check "$1: /health says the source stopped, and why" fakems_is True fakems_health 'src["status"] == "stopped" and "not trusted" in src["last_error"]'
  sleep 2
  check_eq "$1: the fake saw no request (no credential, no Authorization header)" "$(wc -l < "$FAKE_LOG")" "$before"
  check_eq "$1: it did not try again" "$(grep -c 'is not trusted' "$GW_LOG")" 1
  gw_stop
}

fakems_start() {
  local kind=$1 d=$2 i; shift 2
  rm -f "$d/port" "$d/requests.log"
  FAKE_LOG="$d/requests.log"
  FAKE_STATE="$d/state.json"
  /usr/bin/python3 "$GW_SOURCE_DIR/tests/tools/fake-$kind.py" --cert "$d/server.crt" --key "$d/server.key" \
    --port-file "$d/port" --log "$FAKE_LOG" --state "$FAKE_STATE" --mailbox "$d/mailbox" "$@" > "$d/fake.out" 2>&1 &
  FAKE_PID=$!
  peers_track "$FAKE_PID"
  for ((i = 0; i < 100; i ++)); do
    [ -s "$d/port" ] && break
    kill -0 "$FAKE_PID" 2>/dev/null || break
    sleep 0.1
  done
  FAKE_PORT=$(cat "$d/port" 2>/dev/null)
  [ -n "$FAKE_PORT" ] || { echo "fake-$kind did not start:"; cat "$d/fake.out"; return 1; }
}

fakems_state() {
  /usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); m = s["messages"]
print(eval(sys.argv[2]))' "$FAKE_STATE" "$1"
}

fakems_log() {
  /usr/bin/python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2]))' "$FAKE_LOG" "$1"
}

fakems_rig_start() {
  RIG="$GW_SOURCE_DIR/tests/lib/mail-rig.sh"
  peers_reserve_mailrig || { echo "FAIL no port base for the mail rig"; exit 1; }
  if ! bash "$RIG" start > "$W/rig.env" 2>&1; then
    echo "FAIL mail rig did not start"; cat "$W/rig.env"; exit 1
  fi
  eval "$(grep '^MAILRIG_' "$W/rig.env")"
  trap 'bash "$RIG" stop >/dev/null 2>&1; peers_cleanup' EXIT
}

# fakems_jobs [FIELD...]: alice's jobs, one a line: name, state, reason and the FIELDs of `job list --json`, tab-separated.
fakems_jobs() {
  gw --json job list --user alice | /usr/bin/python3 -c '
import json, sys
def jobs(x):
    if isinstance(x, dict):
        if "state" in x and "name" in x: yield x
        for v in x.values(): yield from jobs(v)
    elif isinstance(x, list):
        for v in x: yield from jobs(v)
for j in jobs(json.load(sys.stdin)):
    print(j["name"], j["state"], j.get("reason") or "-", *(j.get(f) for f in sys.argv[1:]), sep="\t")' "$@"
}

# fakems_held NAME [STATE]: alice's jobs with that document name in that state (default held).
fakems_held() {
  fakems_jobs | awk -F '\t' -v n="$1" -v s="${2:-held}" '$1 == n && $2 == s {c ++} END {print c + 0}'
}

# fakems_replies SUBJECT: outbox rows replying to that subject ("Printed: SUBJECT").
fakems_replies() {
  gw outbox list | grep -c "Printed: $1\$"
}

# fakems_health EXPR: a Python expression over the daemon's /health details
# (src: the first mail source's entry, from loopback, which gets the details).
fakems_health() {
  curl -sk "https://127.0.0.1:$GW_PORT/health" | /usr/bin/python3 -c 'import json, sys
h = json.load(sys.stdin); src = h["frontends"]["mail"]["sources"][0]
print(eval(sys.argv[1]))' "$1"
}

# fakems_is COUNT CMD...: CMD prints COUNT (for fakems_wait, which runs it again each time).
fakems_is() {
  local want=$1; shift
  [ "$("$@")" = "$want" ]
}

# fakems_wait SECONDS CMD...: until CMD succeeds.
fakems_wait() {
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i ++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
