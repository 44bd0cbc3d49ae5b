# fake-ms.sh - sourceable helpers for the tests of the graph:// and ews://
# mail sources against the FAKE servers tests/tools/fake-graph.py and
# fake-ews.py (not Microsoft's: small local HTTPS servers speaking the
# documented wire formats).  Source tests/lib/peers.sh and gateway.sh first.
#
#   fakems_tls DIR              a test CA (DIR/ca.crt), a server certificate for
#                               DNS:localhost only (DIR/server.crt, .key), and a
#                               second, unrelated CA (DIR/other-ca.crt)
#   fakems_message OUT SUBJECT AR FILE[=NAME]...
#                               a message from alice@example.test with those
#                               attachments and the Authentication-Results the
#                               trusted MTA (mx.example.test) would add (AR: pass/fail)
#   fakems_start KIND DIR ARGS...   start fake-KIND.py (graph or ews) on a free
#                               port with DIR/mailbox/*.eml; sets FAKE_PORT FAKE_PID
#                               FAKE_LOG (JSON lines) FAKE_STATE (JSON)
#   fakems_state EXPR           evaluate a Python expression over the state
#                               (s: the state, m: its messages by file name)
#   fakems_log EXPR             the same over the request log (r: list of entries)

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
  /usr/bin/python3 - "$subject" "$ar" "$@" > "$out" <<'PY'
import sys, email.message, email.utils, os
subject, ar, files = sys.argv[1], sys.argv[2], sys.argv[3:]
m = email.message.EmailMessage()
m["Authentication-Results"] = "mx.example.test; spf=%s smtp.mailfrom=alice@example.test; dkim=%s header.d=example.test; dmarc=%s header.from=example.test" % (ar, ar, ar)
m["From"] = "Alice <alice@example.test>"; m["To"] = "print@example.test"; m["Subject"] = subject
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

# fakems_held NAME [STATE]: alice's jobs with that document name in that state (default held).
fakems_held() {
  gw --json job list --user alice | /usr/bin/python3 -c '
import json, sys
def jobs(x):
    if isinstance(x, dict):
        if "state" in x and "name" in x: yield x
        for v in x.values(): yield from jobs(v)
    elif isinstance(x, list):
        for v in x: yield from jobs(v)
print(sum(1 for j in jobs(json.load(sys.stdin)) if j["name"] == sys.argv[1] and j["state"] == sys.argv[2]))' "$1" "${2:-held}"
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
