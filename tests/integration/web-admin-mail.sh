#!/usr/bin/env bash
# web-admin-mail.sh - the console's mail sources (docs/admin.md, "Mail
# sources") with curl against printgated and the mail rig
# (tests/lib/mail-rig.sh: real Dovecot + Postfix on loopback, TLS from a
# test CA):
#  1. an IMAPS source added in the console (API): stored with its password
#     sealed (not in the store in plain), started at once (no restart), its
#     connection test succeeds (TLS verified, login, folder); a wrong
#     password says the login step failed, a wrong folder the folder step,
#     a CA that does not sign the server's certificate the TLS step; every
#     bad field is refused with a sentence and nothing is stored;
#  2. a PDF mailed to that account becomes a held job of its verified
#     sender through the console-made source; the list shows the state, the
#     last poll, messages taken, lag; /health's mail_sources too;
#  3. the OAuth2 device-code flow (RFC 8628) against a FAKE device and token
#     endpoint (a small Python HTTPS server written here, on loopback, its
#     own test CA): the user code and verification URL shown;
#     authorization_pending, then slow_down (the next token request comes
#     5 s later than the interval), then the grant: the refresh token stored
#     sealed, and the intake signs in with XOAUTH2 using the refresh-token
#     grant (Dovecot's log); a denial ends as denied; the console asks
#     many times, but the endpoint sees one request per interval;
#  4. roles: helpdesk and auditor read the list, but adding, editing,
#     testing, removing and consent are 403 with nothing changed; a
#     MailSourceFile source shows read-only (its edit and removal refused);
#  5. no secret (passwords, client secret, refresh token, device code)
#     appears in any page, API answer, the log or the audit table.
set -u
export TZ=UTC
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
fakems_rig_start
DLOG="$MAILRIG_DIR/log/dovecot.log"

# A file source too, to show one read-only (the rig's bob over POP3S, polled rarely).
printf 'filesrc pop3s://localhost:%s user=bob@example.test password=bobpw cafile=%s poll=1500\n' "$MAILRIG_POP3S" "$MAILRIG_CA" > "$W/sources"
chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "MetricsAllow 127.0.0.0/8" || exit 1
BASE="https://127.0.0.1:$GW_PORT"
DB="$GW_STATE/printgate.db"
. "$GW_SOURCE_DIR/tests/lib/web-client.sh"
. "$GW_SOURCE_DIR/tests/lib/web-admin-client.sh"
sql() { sqlite3 "$DB" "$1"; }
mkdir -p "$W/answers"
N=0
keep() { N=$((N + 1)); cp "$W/out" "$W/answers/$N"; }          # keep every answer for the secret grep
API() { local s; s=$(api "$@"); keep; printf '%s' "$s"; }        # api, and keep the answer
src() { python3 -c 'import json,sys; s=[x for x in json.load(open(sys.argv[1]))["sources"] if x["name"] == sys.argv[2]]; print(eval(sys.argv[3]) if s else "none")' "$W/out" "$1" "$2"; }
# consent_wait NAME TRIES: ask for the consent's state every 0.5 s while it is pending (the core decides when to ask the endpoint).
consent_wait() {
  local i
  for ((i = 0; i < $2; i ++)); do
    API GET "/api/v1/admin/mail-sources/$1/oauth" '' "$W/boss" > /dev/null
    [ "$(field state)" = pending ] || break
    sleep 0.5
  done
}
# mval 'NAME{LABELS}': its value in a fresh /metrics scrape ("none" when absent); the scrape kept in $W/metrics.out.
mval() { curl -sk "$BASE/metrics" > "$W/metrics.out"; awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "none" : v) }' "$W/metrics.out"; }
# msource NAME [err]: "UP ERRORS POLLED" of a source in /metrics (with err: "UP yes" when it has errors).
msource() {
  local up e t
  up=$(mval "printgate_mail_source_up{source=\"$1\"}"); e=$(mval "printgate_mail_source_errors_total{source=\"$1\"}")
  t=$(mval "printgate_mail_source_last_poll_timestamp_seconds{source=\"$1\"}")
  if [ -n "${2:-}" ]; then [ "$e" != none ] && [ "$e" != 0 ] && e=yes; echo "$up $e"; return; fi
  echo "$up $e $([ "$t" != none ] && [ "$t" != 0 ] && echo yes || echo no)"
}
jbody() { python3 -c 'import json,sys; print(json.dumps(dict(a.split("=", 1) for a in sys.argv[1:])))' "$@"; }

gw user add boss --role admin >/dev/null && gw user add desk --role helpdesk >/dev/null && gw user add aud --role auditor >/dev/null
gw user add alice --email alice@example.test >/dev/null && gw address verify alice@example.test >/dev/null
for u in boss desk aud; do eval "PW_$u=\$(gw user password $u)"; done
check "boss enrols" enrol boss "$PW_boss" "$W/boss"
BOSS_CSRF=$CSRF
check "desk enrols" enrol desk "$PW_desk" "$W/desk"
DESK_CSRF=$CSRF
check "aud enrols" enrol aud "$PW_aud" "$W/aud"
AUD_CSRF=$CSRF
B=(-H "X-CSRF-Token: $BOSS_CSRF")

IMAPS_OK=(name=console kind=imaps host=localhost "port=$MAILRIG_IMAPS" folder=INBOX user=print@example.test password=printpw "cafile=$MAILRIG_CA" authserv_id=mx.example.test poll=1)

# ---- 1. add, test ---------------------------------------------------------------------------
check_eq "the file source is listed, read-only" "$(API GET /api/v1/admin/mail-sources '' "$W/boss"; src filesrc 's[0]["origin"]')" 200config
check_eq "  its removal is refused (a file's source)" "$(API DELETE /api/v1/admin/mail-sources/filesrc '' "$W/boss" "${B[@]}")" 404
check_eq "  its edit too" "$(API POST /api/v1/admin/mail-sources/filesrc "$(jbody kind=imaps host=localhost user=x password=y)" "$W/boss" "${B[@]}")" 404

for bad in "host=bad host" "host=-x" "port=70000" "port=0x10" "kind=http" "user=" "auth=kerberos" "folder=a b" "cafile=relative.pem" \
           "cafile=/nonexistent/ca.pem" "poll=99999" "auth=oauth2" "auth=oauth2;provider=custom;client_id=x" "name=bad/name" "name=" \
           "host=$(printf 'h%.0s' {1..300})" "password=" "token_url=http://localhost/t" "scope=a,b"; do
  IFS=';' read -r -a extra <<< "$bad"
  check_eq "a bad field is refused with a sentence ($bad)" "$(API POST /api/v1/admin/mail-sources "$(jbody "${IMAPS_OK[@]}" "${extra[@]}")" "$W/boss" "${B[@]}")" 400
  check "  with a sentence" sh -c "grep -q '\"reason\":\"refused\"' '$W/out'"
done
check_eq "  nothing was stored" "$(sql 'SELECT count(*) FROM mail_sources')" 0

check_eq "add an IMAPS source" "$(API POST /api/v1/admin/mail-sources "$(jbody "${IMAPS_OK[@]}")" "$W/boss" "${B[@]}")" 200
check_eq "  a second with that name: refused" "$(API POST /api/v1/admin/mail-sources "$(jbody "${IMAPS_OK[@]}")" "$W/boss" "${B[@]}")" 400
check_eq "  a file source's name: refused" "$(API POST /api/v1/admin/mail-sources "$(jbody "${IMAPS_OK[@]}" name=filesrc)" "$W/boss" "${B[@]}")" 400
check "  the password is sealed in the store (enc:v1:, not in plain)" sh -c "sqlite3 '$DB' 'SELECT spec FROM mail_sources' | grep -q '\"password\":\"enc:v1:' && ! grep -qa printpw '$DB' '$DB-wal'"
check "  it starts without a restart" fakems_wait 20 grep -q "Mail source console: connected to localhost:$MAILRIG_IMAPS" "$GW_LOG"
check_eq "  listed: console, ok" "$(fakems_wait 20 sh -c "curl -sk -b '$W/boss' '$BASE/api/v1/admin/mail-sources' | grep -q '\"state\":\"ok\"'"; API GET /api/v1/admin/mail-sources '' "$W/boss"; src console '(s[0]["origin"], s[0]["kind"], s[0]["server"], s[0]["account"], s[0]["folder"], s[0]["state"], s[0]["password_set"])')" \
         "200('console', 'imaps', 'localhost:$MAILRIG_IMAPS', 'print@example.test', 'INBOX', 'ok', True)"
check_eq "test connection: ok" "$(API POST /api/v1/admin/mail-sources/console/test '' "$W/boss" "${B[@]}")" 200
check "  says TLS verified, signed in, folder opened" grep -q 'certificate verified), signed in as print@example.test, opened folder INBOX' "$W/out"

check "metrics: the file source is up, no errors, a last poll" fakems_wait 20 fakems_is "1 0 yes" msource filesrc
check_eq "  the console source: up, no errors, nothing taken" "$(mval 'printgate_mail_source_up{source="console"}') $(mval 'printgate_mail_source_errors_total{source="console"}') $(mval 'printgate_mail_messages_taken_total{source="console"}')" "1 0 0"
check "  promtool check metrics accepts the scrape" sh -c "promtool check metrics < '$W/metrics.out'"
check_eq "edit: a wrong password" "$(API POST /api/v1/admin/mail-sources/console "$(jbody "${IMAPS_OK[@]}" password=wrong-pw)" "$W/boss" "${B[@]}")" 200
check_eq "  test: 409" "$(API POST /api/v1/admin/mail-sources/console/test '' "$W/boss" "${B[@]}")" 409
check "  says the login failed" grep -q 'Failed at the login step: the server refused the login of print@example.test' "$W/out"
check "metrics: the console source with a wrong password is down, its errors counted" fakems_wait 20 fakems_is "0 yes" msource console err
check_eq "  the file source is still up with no errors" "$(mval 'printgate_mail_source_up{source="filesrc"}') $(mval 'printgate_mail_source_errors_total{source="filesrc"}')" "1 0"
check "  promtool accepts it" sh -c "promtool check metrics < '$W/metrics.out'"
check_eq "edit: the right password, a wrong folder" "$(API POST /api/v1/admin/mail-sources/console "$(jbody "${IMAPS_OK[@]}" folder=NoSuchFolder)" "$W/boss" "${B[@]}")" 200
check_eq "  test: 409" "$(API POST /api/v1/admin/mail-sources/console/test '' "$W/boss" "${B[@]}")" 409
check "  says the folder" grep -q 'Failed at the folder step: cannot open mailbox \\"NoSuchFolder\\"' "$W/out"
fakems_tls "$W/other"
check_eq "edit: a CA that did not sign the server's certificate" "$(API POST /api/v1/admin/mail-sources/console "$(jbody "${IMAPS_OK[@]}" "cafile=$W/other/ca.crt")" "$W/boss" "${B[@]}")" 200
check_eq "  test: 409" "$(API POST /api/v1/admin/mail-sources/console/test '' "$W/boss" "${B[@]}")" 409
check "  says TLS, and that no password was sent" grep -q 'Failed at the TLS step: the certificate of localhost:[0-9]* is not trusted.*no password was sent' "$W/out"
check "  the list shows the source stopped, and why" sh -c "curl -sk -b '$W/boss' '$BASE/api/v1/admin/mail-sources' | grep -q '\"state\":\"stopped\".*not trusted'"
check_eq "edit: back to the right settings (the password kept: not sent again)" "$(API POST /api/v1/admin/mail-sources/console "$(python3 -c 'import json,sys; d=dict(a.split("=",1) for a in sys.argv[1:]); del d["password"]; print(json.dumps(d))' "${IMAPS_OK[@]}")" "$W/boss" "${B[@]}")" 200
check_eq "  test: ok again" "$(API POST /api/v1/admin/mail-sources/console/test '' "$W/boss" "${B[@]}")" 200

# ---- 2. a mailed PDF through the console's source ---------------------------------------------
gw_make_pdf "$W/doc.pdf" 1 "Console source"
fakems_message "$W/msg.eml" "console test" pass "$W/doc.pdf=console.pdf"
check "a PDF mailed to print@example.test" curl -sS "smtp://127.0.0.1:$MAILRIG_SMTP" --mail-from alice@example.test --mail-rcpt print@example.test -T "$W/msg.eml"
check "  is held for alice" fakems_wait 60 fakems_is 1 fakems_held console.pdf
check "  the list: one message taken, a last poll, a lag" fakems_wait 10 sh -c "curl -sk -b '$W/boss' '$BASE/api/v1/admin/mail-sources' > '$W/l.json' &&
  python3 -c 'import json,sys; s=[x for x in json.load(open(\"$W/l.json\"))[\"sources\"] if x[\"name\"] == \"console\"][0]; sys.exit(not (s[\"taken\"] == 1 and s[\"last_poll\"] > 0 and 0 <= s[\"lag\"] < 30))'"
check_eq "  /metrics: one message taken by the console source" "$(mval 'printgate_mail_messages_taken_total{source="console"}')" 1
check "  its lag is under 30 s" python3 -c "import sys; sys.exit(not 0 <= float('$(mval 'printgate_mail_source_lag_seconds{source="console"}')') < 30)"
check_eq "  the page lists both sources" "$(API GET /admin/mail-sources '' "$W/boss"; grep -c 'data-source="console"\|data-source="filesrc"' "$W/out")" 2002
check "  with a test button and the add form" sh -c "grep -q 'action=\"/admin/mail-sources/console/test\"' '$W/out' && grep -q 'id=\"source-new\"' '$W/out'"
check "  the edit page shows no secret, says one is set" sh -c "[ \"\$(curl -sk -b '$W/boss' -o '$W/answers/edit' -w '%{http_code}' '$BASE/admin/mail-sources/console')\" = 200 ] && grep -q 'Password (set; empty keeps it)' '$W/answers/edit'"
check "/health's details list the mail sources" sh -c "curl -sk -b '$W/boss' '$BASE/api/v1/admin/health' | tee '$W/answers/health' | grep -q '\"mail_sources\":\[.*\"name\":\"console\"'"
check "  the health page shows them" sh -c "curl -sk -b '$W/boss' '$BASE/admin/health' | tee '$W/answers/health-page' | grep -q 'health-mail-sources'"
check "  and the jobs released today (none printed here)" grep -q 'id="health-released"' "$W/answers/health-page"

# ---- 3. the device-code flow against a fake endpoint -------------------------------------------
fakems_tls "$W/dev"
cat > "$W/fake-device.py" <<'PY'
# FAKE OAuth2 device authorization and token endpoints (RFC 8628, RFC 6749)
# for this test, not Microsoft's or Google's: HTTPS on loopback.  Client
# "dev-app": pending, slow_down, pending, then granted; "deny-app": pending,
# then access_denied; "exp-app": expired_token.  The refresh-token grant gives the access token the
# rig's Dovecot takes for oauth@example.test, and rotates the refresh token: the first one
# (RT-sEcReT-42) gets a new one (RT-rotated-43) and is refused after that, as a provider that
# revokes a used refresh token does.  Every request is logged (which refresh token, by name).
import http.server, json, ssl, sys, time, urllib.parse
cert, key, portfile, log = sys.argv[1:5]
polls = {}
rotated = False
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, status, obj):
        b = json.dumps(obj).encode()
        self.send_response(status); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_POST(self):
        f = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))
        g = f.get("grant_type", "")
        with open(log, "a") as l:
            rt = {"RT-sEcReT-42": "first", "RT-rotated-43": "rotated"}.get(f.get("refresh_token"), "other") if g == "refresh_token" else ""
            l.write(json.dumps({"t": time.time(), "path": self.path, "grant": g, "client": f.get("client_id"), "scope": f.get("scope", ""), "rt": rt}) + "\n")
        if self.path == "/devicecode":
            return self.answer(200, {"device_code": "DC-" + f["client_id"], "user_code": "WDJB-MJHT", "verification_uri": "https://localhost/devicelogin", "expires_in": 300, "interval": 1})
        if g == "urn:ietf:params:oauth:grant-type:device_code":
            n = polls[f["device_code"]] = polls.get(f["device_code"], 0) + 1
            script = {"DC-dev-app": ["authorization_pending", "slow_down", "authorization_pending", None], "DC-deny-app": ["authorization_pending", "access_denied"], "DC-exp-app": ["expired_token"]}[f["device_code"]]
            e = script[min(n, len(script)) - 1]
            if e:
                return self.answer(400, {"error": e})
            return self.answer(200, {"access_token": "test-access-token-123", "refresh_token": "RT-sEcReT-42", "expires_in": 3600, "token_type": "Bearer"})
        global rotated
        if g == "refresh_token" and f.get("refresh_token") == "RT-sEcReT-42" and not rotated:
            rotated = True
            return self.answer(200, {"access_token": "test-access-token-123", "refresh_token": "RT-rotated-43", "expires_in": 3600, "token_type": "Bearer"})
        if g == "refresh_token" and f.get("refresh_token") == "RT-rotated-43":
            return self.answer(200, {"access_token": "test-access-token-123", "expires_in": 3600, "token_type": "Bearer"})
        return self.answer(400, {"error": "invalid_grant"})
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(cert, key)
s.socket = c.wrap_socket(s.socket, server_side=True)
open(portfile, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$W/fake-device.py" "$W/dev/server.crt" "$W/dev/server.key" "$W/dev/port" "$W/dev/log" > "$W/dev/out" 2>&1 &
peers_track $!
fakems_wait 10 test -s "$W/dev/port"
DP=$(cat "$W/dev/port")
OAUTH=(kind=imaps host=localhost "port=$MAILRIG_IMAPS" user=oauth@example.test auth=oauth2 provider=microsoft tenant=contoso.example client_id=dev-app
       "device_url=https://localhost:$DP/devicecode" "token_url=https://localhost:$DP/token" "token_cafile=$W/dev/ca.crt" "cafile=$MAILRIG_CA" authserv_id=mx.example.test poll=2)
check_eq "an OAuth2 source (Microsoft, endpoints on the fake)" "$(API POST /api/v1/admin/mail-sources "$(jbody name=m365 "${OAUTH[@]}")" "$W/boss" "${B[@]}")" 200
check_eq "  listed as waiting for consent, not running" "$(API GET /api/v1/admin/mail-sources '' "$W/boss"; src m365 's[0]["state"]')" 200needs-consent
check_eq "consent starts" "$(API POST /api/v1/admin/mail-sources/m365/oauth '' "$W/boss" "${B[@]}")" 200
check_eq "  the user code, the verification URL, pending" "$(field user_code) $(field verification_uri) $(field state)" "WDJB-MJHT https://localhost/devicelogin pending"
check_eq "  the default Microsoft scope was asked for" "$(python3 -c 'import json,sys; print([json.loads(l)["scope"] for l in open(sys.argv[1])][0])' "$W/dev/log")" \
         "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"
consent_wait m365 60
check_eq "  after pending, slow_down, pending: done" "$(field state)" done
check_eq "  the console asked often, the endpoint got 4 token requests" "$(grep -c device_code "$W/dev/log")" 4
GAPS=$(python3 -c 'import json,sys; t=[json.loads(l)["t"] for l in open(sys.argv[1]) if "device_code" in l]; print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:])))' "$W/dev/log")
echo "note: gaps between token requests (interval 1 s; slow_down after the 2nd): $GAPS"
check "  interval honoured, and slow_down added 5 s" python3 -c "g=[float(x) for x in '$GAPS'.split()]; import sys; sys.exit(not (g[0] >= 0.95 and g[1] >= 5.9 and g[2] >= 5.9))"
check "  the refresh token is stored sealed" sh -c "sqlite3 '$DB' 'SELECT spec FROM mail_sources WHERE name = \"m365\"' | grep -q '\"refresh_token\":\"enc:v1:' && ! grep -qa 'RT-sEcReT-42' '$DB' '$DB-wal'"
check "  the intake signs in with XOAUTH2 (refresh-token grant)" fakems_wait 30 grep -q "imap-login: Info: Login: user=<oauth@example.test>, method=XOAUTH2" "$DLOG"
check "  the fake saw the refresh-token grant" grep -q '"grant": "refresh_token"' "$W/dev/log"
check "  it rotated the refresh token: the new one is stored sealed in its place" fakems_wait 10 grep -q "Mail source m365: the token endpoint sent a new refresh token; stored (sealed) for the next start." "$GW_LOG"
check "  (not in plain in the store)" sh -c "sqlite3 '$DB' 'SELECT spec FROM mail_sources WHERE name = \"m365\"' | grep -q '\"refresh_token\":\"enc:v1:' && ! grep -qa 'RT-rotated-43' '$DB' '$DB-wal'"
check_eq "  test connection: ok" "$(API POST /api/v1/admin/mail-sources/m365/test '' "$W/boss" "${B[@]}")" 200
check_eq "a denied consent" "$(API POST /api/v1/admin/mail-sources "$(jbody name=denied "${OAUTH[@]}" client_id=deny-app)" "$W/boss" "${B[@]}")" 200
API POST /api/v1/admin/mail-sources/denied/oauth '' "$W/boss" "${B[@]}" > /dev/null
consent_wait denied 30
check_eq "  ends as denied, says so" "$(field state): $(field text)" "denied: The consent was refused (access_denied); start again to retry."
check_eq "  no refresh token stored" "$(sql "SELECT instr(spec, 'refresh_token') FROM mail_sources WHERE name = 'denied'")" 0
check_eq "  asking again changes nothing" "$(API GET /api/v1/admin/mail-sources/denied/oauth '' "$W/boss"; field state)" 200denied
check_eq "  the endpoint saw the device request and 2 token requests for it" "$(grep -c '"client": "deny-app"' "$W/dev/log")" 3
check_eq "an expired code" "$(API POST /api/v1/admin/mail-sources "$(jbody name=expired "${OAUTH[@]}" client_id=exp-app)" "$W/boss" "${B[@]}")" 200
API POST /api/v1/admin/mail-sources/expired/oauth '' "$W/boss" "${B[@]}" > /dev/null
consent_wait expired 30
check_eq "  ends as expired" "$(field state)" expired
check_eq "  removed" "$(API DELETE /api/v1/admin/mail-sources/expired '' "$W/boss" "${B[@]}")" 200

# ---- 4. roles ----------------------------------------------------------------------------------
BEFORE=$(sql 'SELECT group_concat(name || spec, "|") FROM mail_sources')
for who in desk aud; do
  jar="$W/$who"; [ $who = desk ] && H=(-H "X-CSRF-Token: $DESK_CSRF") || H=(-H "X-CSRF-Token: $AUD_CSRF")
  check_eq "$who reads the list" "$(API GET /api/v1/admin/mail-sources '' "$jar"; field sources)" 2004
  check_eq "  cannot add a source" "$(API POST /api/v1/admin/mail-sources "$(jbody "${IMAPS_OK[@]}" name=by-$who)" "$jar" "${H[@]}")" 403
  check_eq "  cannot edit one" "$(API POST /api/v1/admin/mail-sources/console "$(jbody "${IMAPS_OK[@]}" password=x)" "$jar" "${H[@]}")" 403
  check_eq "  cannot test one" "$(API POST /api/v1/admin/mail-sources/console/test '' "$jar" "${H[@]}")" 403
  check_eq "  cannot start a consent" "$(API POST /api/v1/admin/mail-sources/m365/oauth '' "$jar" "${H[@]}")" 403
  check_eq "  cannot remove one" "$(API DELETE /api/v1/admin/mail-sources/console '' "$jar" "${H[@]}")" 403
  check_eq "  the page has no forms for them" "$(API GET /admin/mail-sources '' "$jar"; grep -c 'id="source-new"\|/test"' "$W/out")" 2000
done
check_eq "  nothing changed in the store" "$(sql 'SELECT group_concat(name || spec, "|") FROM mail_sources')" "$BEFORE"
check_eq "boss removes the denied source" "$(API DELETE /api/v1/admin/mail-sources/denied '' "$W/boss" "${B[@]}")" 200
check_eq "  gone" "$(sql "SELECT count(*) FROM mail_sources WHERE name = 'denied'")" 0
check_eq "audit rows: add, edit, remove, test, consent" "$(sql "SELECT count(DISTINCT action) FROM audit WHERE action IN ('mailsource.add','mailsource.edit','mailsource.remove','mailsource.test','mailsource.oauth.start','mailsource.oauth')")" 6
check_eq "  the failed test's row says the step" "$(sql "SELECT count(*) FROM audit WHERE action = 'mailsource.test' AND detail LIKE 'Failed at the login step%'")" 1

# ---- 4b. a restart uses the rotated refresh token (the first one is refused now) -------------
gw_stop TERM
check_eq "restart: the daemon exits 0" "$GW_STATUS" 0
LOGINS=$(grep -c "imap-login: Info: Login: user=<oauth@example.test>, method=XOAUTH2" "$DLOG")
GRANTS=$(grep -c '"grant": "refresh_token"' "$W/dev/log")
check "  and starts again" gw_restart
check "  the intake signs in with XOAUTH2 again" fakems_wait 30 sh -c "[ \$(grep -c 'imap-login: Info: Login: user=<oauth@example.test>, method=XOAUTH2' '$DLOG') -gt $LOGINS ]"
check_eq "  its refresh-token grant after the restart used the rotated token" "$(python3 -c 'import json,sys; print([json.loads(l)["rt"] for l in open(sys.argv[1]) if json.loads(l)["grant"] == "refresh_token"][int(sys.argv[2]):][:1])' "$W/dev/log" "$GRANTS")" "['rotated']"
check_eq "  the first token was never sent again after the rotation" "$(python3 -c 'import json,sys; r=[json.loads(l)["rt"] for l in open(sys.argv[1]) if json.loads(l)["grant"] == "refresh_token"]; print(r.count("first"), r.count("other"))' "$W/dev/log")" "1 0"

# ---- 5. no secret anywhere ---------------------------------------------------------------------
sql "SELECT * FROM audit" > "$W/audit.txt"
for secret in printpw wrong-pw RT-sEcReT-42 RT-rotated-43 DC-dev-app DC-deny-app test-access-token-123; do
  check "no '$secret' in any answer, the log or the audit table" sh -c "! grep -rqa -- '$secret' '$W/answers' '$GW_LOG' '$W/audit.txt'"
done
gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
