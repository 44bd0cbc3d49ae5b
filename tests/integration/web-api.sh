#!/usr/bin/env bash
# web-api.sh - the web portal and its REST API (docs/web.md) with curl
# against printgated on a random loopback port, a real ippeveprinter and a
# plain SMTP sink that keeps the sign-in mails: security headers; sign-in
# by a mailed code (cookie HttpOnly, Secure, SameSite=Strict); two uploads
# held with their page counts, one released to the printer, the other
# cancelled; another user's job is 404 by API and by page; a missing or
# wrong CSRF token is refused; 5 wrong codes lock with an audit row (a right
# code for another address in between forgives nothing); 6 parallel wrong
# codes get at most 5 checked; hostile file names are stored and shown
# escaped; an upload over the cap is 413 with nothing stored; a cookie is
# useless after sign-out; a terminal key releases only at its own printer.
# Positive controls: each refusal has its working twin.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PGWeb" application/pdf
PRN_PORT=$PEERS_IPP_PORT PRN_DIR=$PEERS_IPP_DIR
W=$PEERS_DIR

SMTP_PORT=$(peers_free_port)
mkdir -p "$W/mail"
python3 "$GW_SOURCE_DIR/tests/lib/smtp-sink.py" "$SMTP_PORT" "$W/mail" &
peers_track $!
peers_wait_port "$SMTP_PORT" 10

gw_start "SmtpServer 127.0.0.1:$SMTP_PORT" "SmtpTLS off" "SmtpFrom print@example.test" "PinMaxFailures 5" \
         "PinMaxFailuresTenant 1000" "PinLockout 10m" "MaxDocumentSize 1M" "ConversionWorkers 2"
BASE="https://127.0.0.1:$GW_PORT"

. "$GW_SOURCE_DIR/tests/lib/web-client.sh"
# form JAR [CURL -F ARGS...]: POST /jobs/upload as multipart/form-data (api() would send JSON's type); echo the status.
form() { local jar=$1; shift; curl -sk -o "$W/out" -D "$W/hdr" -w '%{http_code}' -b "$jar" "$@" "$BASE/jobs/upload"; }

# The newest sign-in code (or link token) mailed to an address.
mail_code() {   # mail_code ADDRESS [code|link] [COUNT-BEFORE]
  local want=$((${3:-0} + 1))
  peers_wait 15 sh -c "[ \$(grep -il '^To: <\\{0,1\\}$1' $W/mail/*.eml 2>/dev/null | wc -l) -ge $want ]" || return 1
  python3 - "$1" "${2:-code}" "$W/mail" <<'EOF'
import email, glob, re, sys
last = None
for path in sorted(glob.glob(sys.argv[3] + "/*.eml")):
    m = email.message_from_binary_file(open(path, "rb"))
    if sys.argv[1] in m.get("To", ""):
        last = m.get_payload(decode=True).decode()
if last:
    pat = r"code is (\d{6})" if sys.argv[2] == "code" else r"\?t=([A-Za-z0-9_-]{43})"
    print(re.search(pat, last).group(1))
EOF
}
other_last() { case $1 in *A) echo "${1%?}B";; *) echo "${1%?}A";; esac; }   # the same string, last character changed
mails_to() { grep -il "^To: <\{0,1\}$1" "$W"/mail/*.eml 2>/dev/null | wc -l; }

# Sign ADDRESS in by code into cookie JAR; sets CSRF.
signin() {   # signin ADDRESS JAR
  local before code
  before=$(mails_to "$1")
  [ "$(api POST /api/v1/signin/code "{\"address\":\"$1\"}" "$2")" = 202 ] || return 1
  code=$(mail_code "$1" code "$before") && [ -n "$code" ] || return 1
  [ "$(api POST /api/v1/signin/verify "{\"address\":\"$1\",\"code\":\"$code\"}" "$2")" = 200 ] || return 1
  CSRF=$(field csrf)
}

wait_state() {   # wait_state JAR ID STATE
  peers_wait 60 sh -c "curl -sk -b '$1' '$BASE/api/v1/jobs/$2' | grep -q '\"state\":\"$3\"'"
}

check "users, addresses, printers" sh -c "$PRINTGATE -c $GW_CONF user add alice --email alice@example.test && $PRINTGATE -c $GW_CONF address verify alice@example.test &&
  $PRINTGATE -c $GW_CONF user add bob --email bob@example.test && $PRINTGATE -c $GW_CONF address verify bob@example.test &&
  $PRINTGATE -c $GW_CONF user add carol --email carol@example.test &&
  $PRINTGATE -c $GW_CONF printer add lobby ipp://127.0.0.1:$PRN_PORT/ipp/print --location 'Ground floor' &&
  $PRINTGATE -c $GW_CONF printer add far ipp://127.0.0.1:9/ipp/print"
gw_make_pdf "$W/two.pdf" 2 "Web two"
gw_make_pdf "$W/one.pdf" 1 "Web one"

# ---- security headers, sign-in ------------------------------------------------
# security_headers WHAT: every security header in $W/hdr (the last answer)
security_headers() {
  local h
  for h in 'Strict-Transport-Security: max-age' "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'" \
           'X-Content-Type-Options: nosniff' 'Referrer-Policy: same-origin' 'X-Frame-Options: DENY' "frame-ancestors 'none'" \
           'Cache-Control: no-store'; do
    check "$1: header $h" grep -qi "$h" "$W/hdr"
  done
  check_eq "$1: each header once" "$(grep -ci '^Content-Security-Policy:' "$W/hdr")$(grep -ci '^X-Content-Type-Options:' "$W/hdr")" 11
}
check_eq "sign-in page answers" "$(api GET /signin)" 200
security_headers "the sign-in page"
# The listener's own answers carry them too (no route, a wrong method, a declared body over the limit)
check_eq "an unknown address: 404" "$(api GET /no/such/page)" 404
security_headers "the listener's 404"
check_eq "a wrong method: 405" "$(api PUT /api/v1/jobs)" 405
security_headers "the listener's 405"
check "no inline script or style on the sign-in page" sh -c "! grep -Eqi '<script>|<style|style=|onclick=|onload=' $W/out"
check_eq "API error is JSON with reason" "$(api GET /api/v1/me)" 401
check_eq "  its reason" "$(field reason)" signed-out
check "  and the headers" grep -qi 'Content-Security-Policy' "$W/hdr"
check_eq "a wrong mail verification token: 404" "$(api POST /api/v1/verify '{"token":"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"}')" 404
check_eq "  its reason" "$(field reason)" wrong-token
check_eq "the verification page, a wrong token: 404" "$(api POST /verify 't=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' '' -H 'Content-Type: application/x-www-form-urlencoded')" 404
check "  saying so" grep -q 'The link is wrong, used or expired' "$W/out"

check "alice signs in by a mailed code" signin alice@example.test "$W/alice"
check "the cookie is HttpOnly; Secure; SameSite=Strict" grep -qi 'Set-Cookie: pg_session=[A-Za-z0-9_-]\{43\}; Path=/; Max-Age=[0-9]*; HttpOnly; Secure; SameSite=Strict' "$W/hdr"
check_eq "me" "$(api GET /api/v1/me '' "$W/alice"; field user)" "200alice"
LINK=$(mail_code alice@example.test link)
check_eq "the mail has a 43-character link token" "${#LINK}" 43
check "the link token is not in the store in plain" sh -c "! grep -qa '$LINK' $GW_STATE/printgate.db $GW_STATE/printgate.db-wal"

# ---- CSRF -------------------------------------------------------------------------
check_eq "upload without CSRF token: 403" "$(api POST '/api/v1/jobs?name=x.pdf' '' "$W/alice" --data-binary @"$W/one.pdf")" 403
check_eq "  reason csrf" "$(field reason)" csrf
check_eq "upload with a wrong CSRF token: 403" "$(api POST '/api/v1/jobs?name=x.pdf' '' "$W/alice" -H "X-CSRF-Token: $(other_last "$CSRF")" --data-binary @"$W/one.pdf")" 403
check_eq "PIN without CSRF token: 403" "$(api POST /api/v1/pin '{}' "$W/alice")" 403
check_eq "form without CSRF field: 403" "$(api POST /jobs/pin '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data 'x=1')" 403
check_eq "cross-site Origin refused: 403" "$(api POST /api/v1/pin '{}' "$W/alice" -H "X-CSRF-Token: $CSRF" -H 'Origin: https://evil.example')" 403
check_eq "PIN with the token (positive control)" "$(api POST /api/v1/pin '{}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
ALICE_PIN=$(field pin)
check "  a PIN" sh -c "echo '$ALICE_PIN' | grep -Eq '^[0-9]{6}$'"

# ---- uploads ----------------------------------------------------------------------
check_eq "upload two.pdf: 202" "$(api POST '/api/v1/jobs?name=two.pdf' '' "$W/alice" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/pdf' --data-binary @"$W/two.pdf")" 202
J1=$(field id)
check_eq "  converting" "$(field state)" converting
check_eq "upload one.pdf: 202" "$(api POST '/api/v1/jobs?name=one.pdf' '' "$W/alice" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/pdf' --data-binary @"$W/one.pdf")" 202
J2=$(field id)
check "two.pdf held" wait_state "$W/alice" "$J1" held
check "one.pdf held" wait_state "$W/alice" "$J2" held
check_eq "two.pdf has 2 pages" "$(api GET "/api/v1/jobs/$J1" '' "$W/alice"; field pages)" "2002"
check_eq "one.pdf has 1 page" "$(api GET "/api/v1/jobs/$J2" '' "$W/alice"; field pages)" "2001"
check "my jobs page lists them with page counts" sh -c "curl -sk -b $W/alice $BASE/jobs | grep -A3 'two.pdf' | grep -q 'job-pages\">2<'"

# ---- the form upload without JavaScript (multipart/form-data) ----------------------------
njobs() { curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | grep -o '"id"' | wc -l; }
F0=$(njobs)
check_eq "form upload of two files: 202" "$(curl -sk -o "$W/out" -w '%{http_code}' -b "$W/alice" -F "csrf=$CSRF" -F "files=@$W/one.pdf;filename=form-a.pdf" -F "files=@$W/two.pdf;filename=form-b.pdf" "$BASE/jobs/upload")" 202
check "  the page names both" sh -c "grep -q 'form-a.pdf: converting' $W/out && grep -q 'form-b.pdf: converting' $W/out"
check_eq "  two more jobs" "$(njobs)" "$((F0 + 2))"
check_eq "form upload without the CSRF field: 403" "$(curl -sk -o /dev/null -w '%{http_code}' -b "$W/alice" -F "files=@$W/one.pdf" "$BASE/jobs/upload")" 403
check_eq "form upload with the CSRF field after the file: 403" "$(curl -sk -o /dev/null -w '%{http_code}' -b "$W/alice" -F "files=@$W/one.pdf" -F "csrf=$CSRF" "$BASE/jobs/upload")" 403
check_eq "  no job from either" "$(njobs)" "$((F0 + 2))"
check "form jobs held" peers_wait 60 sh -c "! curl -sk -b $W/alice $BASE/api/v1/jobs | grep -q converting"

# ---- hostile names -----------------------------------------------------------------
LONG=$(head -c 5000 /dev/zero | tr '\0' 'n')
for name in '..%2F..%2Fetc%2Fpasswd' 'a%00b.pdf' 'ctl%01%1b%7f.pdf' '%3Cscript%3Ealert(1)%3Cscript%3E.pdf' 'q%26%22%27.pdf' "$LONG.pdf"; do
  check "hostile name ${name:0:40} stored" sh -c "[ \"\$(curl -sk -o /dev/null -w '%{http_code}' -b $W/alice -H 'X-CSRF-Token: $CSRF' --data-binary @$W/one.pdf '$BASE/api/v1/jobs?name=$name')\" = 202 ]"
done
curl -sk -b "$W/alice" "$BASE/jobs" > "$W/jobs.html"
check "the <script> name is shown escaped" grep -q '&lt;script&gt;alert(1)&lt;script&gt;.pdf' "$W/jobs.html"
check "  and never as markup" sh -c "! grep -q '<script>alert' $W/jobs.html"
check "the name with & \" ' is shown escaped" grep -q 'q&amp;&quot;&#39;.pdf' "$W/jobs.html"
check "no control characters on the page" sh -c "! LC_ALL=C grep -qP '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' $W/jobs.html"
check "the ../ name kept only its last part" sh -c "curl -sk -b $W/alice $BASE/api/v1/jobs | grep -q '\"name\":\"passwd\"'"
check "the long name was cut, not refused" sh -c "curl -sk -b $W/alice $BASE/api/v1/jobs | grep -q '\"name\":\"nnnnnnnnnn'"

# ---- size cap ------------------------------------------------------------------------
check "no job still converting" peers_wait 60 sh -c "! curl -sk -b $W/alice $BASE/api/v1/jobs | grep -q converting"
head -c 2000000 /dev/urandom > "$W/big.bin"
BEFORE=$(curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | grep -o '"id"' | wc -l)
check_eq "upload over the cap: 413" "$(api POST '/api/v1/jobs?name=big.bin' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/big.bin")" 413
security_headers "the listener's 413 (Content-Length)"
check_eq "the same without a Content-Length (chunked): 413" "$(api POST '/api/v1/jobs?name=big.bin' '' "$W/alice" -H "X-CSRF-Token: $CSRF" -H 'Transfer-Encoding: chunked' --data-binary @"$W/big.bin")" 413
security_headers "the 413 while reading"
# Without a declared size the job exists once the bytes come: it ends failed, too-large, its bytes gone
check_eq "  the job it began failed as too-large" "$(curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | python3 -c '
import json, sys
jobs = [j for j in json.load(sys.stdin)["jobs"] if j["name"] == "big.bin"]
print(len(jobs), jobs[0]["state"] if jobs else "-", jobs[0]["reason"] if jobs else "-")')" "1 failed too-large"
BEFORE=$((BEFORE + 1))
check_eq "the form over the cap: 413" "$(form "$W/alice" -F "csrf=$CSRF" -F "files=@$W/big.bin;filename=big.bin" -F "files=@$W/big.bin;filename=big2.bin")" 413
security_headers "the form's 413"
check_eq "  nothing stored" "$(curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | grep -o '"id"' | wc -l)" "$BEFORE"
check "  nothing in the spool's incoming" sh -c "ls -A $GW_STATE/spool/incoming; [ -z \"\$(ls -A $GW_STATE/spool/incoming)\" ]"
# A reload moves the cap both ways, the listener's own 413 included
sed -i 's/^MaxDocumentSize .*/MaxDocumentSize 4M/' "$GW_CONF"; gw_reload
code=$(api POST '/api/v1/jobs?name=big.bin' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/big.bin")
check "after a reload to 4M the same upload is taken in (answered $code, its format then judged)" test "$code" != 413 -a "$code" != 000
sed -i 's/^MaxDocumentSize .*/MaxDocumentSize 1M/' "$GW_CONF"; gw_reload
check_eq "back to 1M by a reload: 413 again" "$(api POST '/api/v1/jobs?name=big.bin' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/big.bin")" 413

# ---- another user ----------------------------------------------------------------------
ALICE_CSRF=$CSRF
check "bob signs in" signin bob@example.test "$W/bob"
BOB_CSRF=$CSRF CSRF=$ALICE_CSRF
check_eq "bob cannot see alice's job: 404" "$(api GET "/api/v1/jobs/$J1" '' "$W/bob")" 404
check_eq "bob cannot cancel it: 404" "$(api DELETE "/api/v1/jobs/$J1" '' "$W/bob" -H "X-CSRF-Token: $BOB_CSRF")" 404
check_eq "bob cannot release it: 404" "$(api POST "/api/v1/jobs/$J1/release" '{"printer":"lobby"}' "$W/bob" -H "X-CSRF-Token: $BOB_CSRF")" 404
check_eq "bob cannot cancel it by page: 404" "$(api POST /jobs/cancel '' "$W/bob" -H 'Content-Type: application/x-www-form-urlencoded' --data "id=$J1&csrf=$BOB_CSRF")" 404
check "bob's list has none of alice's" sh -c "! curl -sk -b $W/bob $BASE/api/v1/jobs | grep -q '$J1'"
check_eq "alice's job is untouched" "$(api GET "/api/v1/jobs/$J1" '' "$W/alice"; field state)" "200held"

# ---- release and cancel ----------------------------------------------------------------
pdfs() { find "$PRN_DIR" -name "*.pdf" | wc -l; }
N0=$(pdfs)
check_eq "release two.pdf to lobby" "$(api POST "/api/v1/jobs/$J1/release" '{"printer":"lobby"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
check "the printer got it" peers_wait 20 sh -c "[ \$(find $PRN_DIR -name '*.pdf' | wc -l) -gt $N0 ]"
check_eq "cancel one.pdf" "$(api DELETE "/api/v1/jobs/$J2" '' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
check_eq "  then it is gone" "$(api GET "/api/v1/jobs/$J2" '' "$W/alice")" 404
check_eq "release to an unknown printer: 404" "$(api POST /api/v1/jobs/release '{"printer":"nope"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 404
check "the /p/lobby page shows the printer and its location" sh -c "curl -sk -b $W/alice $BASE/p/lobby | grep -q 'Ground floor'"

# ---- terminals ------------------------------------------------------------------------------
KEY_LOBBY=$($PRINTGATE -c "$GW_CONF" terminal add t-lobby lobby | tail -1 | tr -d ' ')
KEY_FAR=$($PRINTGATE -c "$GW_CONF" terminal add t-far far | tail -1 | tr -d ' ')
check "terminal list" sh -c "$PRINTGATE -c $GW_CONF terminal list | grep t-far | grep -q far"
check_eq "upload for the terminal" "$(api POST '/api/v1/jobs?name=term.pdf' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/one.pdf")" 202
J3=$(field id)
check "  held" wait_state "$W/alice" "$J3" held
check_eq "terminal release with a wrong key: 401" "$(api POST /api/v1/terminal/release "{\"pin\":\"$ALICE_PIN\"}" '' -H "Authorization: Bearer $(other_last "$KEY_LOBBY")")" 401
N1=$(pdfs)
check_eq "t-far releases only to far (down): 502" "$(api POST /api/v1/terminal/release "{\"pin\":\"$ALICE_PIN\"}" '' -H "Authorization: Bearer $KEY_FAR")" 502
check_eq "  the job stays held" "$(api GET "/api/v1/jobs/$J3" '' "$W/alice"; field state)" "200held"
check_eq "  nothing reached lobby" "$(pdfs)" "$N1"
check_eq "t-lobby releases at lobby" "$(api POST /api/v1/terminal/release "{\"pin\":\"$ALICE_PIN\"}" '' -H "Authorization: Bearer $KEY_LOBBY")" 200
check_eq "  to lobby" "$(field printer)" lobby
check "  the printer got it" peers_wait 20 sh -c "[ \$(find $PRN_DIR -name '*.pdf' | wc -l) -gt $N1 ]"
check "revoke t-lobby" gw terminal revoke t-lobby
check_eq "  its key stops" "$(api POST /api/v1/terminal/release "{\"pin\":\"$ALICE_PIN\"}" '' -H "Authorization: Bearer $KEY_LOBBY")" 401

# ---- print options: at upload (API, form), changed while held (API, page) ---------------
jobs_count() { curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | grep -o '"id"' | wc -l; }
opts() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("/".join(str(j.get(k, "?")) for k in ("copies","sides","color_mode","page_ranges","number_up")))' "$W/out"; }
job_opts() { curl -sk -o "$W/out" -b "$W/alice" "$BASE/api/v1/jobs/$1"; opts; }
check_eq "upload with options: 202" "$(api POST '/api/v1/jobs?name=opt.pdf&copies=2&sides=two-sided-long-edge&color_mode=monochrome&page_ranges=2&number_up=2' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/two.pdf")" 202
J4=$(field id)
check_eq "  the options are the job's" "$(opts)" "2/two-sided-long-edge/monochrome/2/2"
check "  held" wait_state "$W/alice" "$J4" held
C0=$(jobs_count)
check_eq "upload with number_up=3: 400" "$(api POST '/api/v1/jobs?name=bad.pdf&number_up=3' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/one.pdf")" 400
check_eq "  reason bad-option" "$(field reason)" bad-option
check_eq "upload with copies=two: 400" "$(api POST '/api/v1/jobs?name=bad.pdf&copies=two' '' "$W/alice" -H "X-CSRF-Token: $CSRF" --data-binary @"$W/one.pdf")" 400
check_eq "  nothing stored" "$(jobs_count)" "$C0"
check_eq "the form with options (fields before the file): 202" "$(form "$W/alice" -F "csrf=$CSRF" -F copies=3 -F sides=two-sided-short-edge \
  -F color_mode=monochrome -F page_ranges=1 -F number_up=4 -F "files=@$W/one.pdf;filename=formopt.pdf;type=application/pdf")" 202
check_eq "  the job has them" "$(curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | python3 -c '
import json, sys
j = [j for j in json.load(sys.stdin)["jobs"] if j["name"] == "formopt.pdf"][0]
print("/".join(str(j[k]) for k in ("copies", "sides", "color_mode", "page_ranges", "number_up")))')" "3/two-sided-short-edge/monochrome/1/4"
C0=$(jobs_count)
check_eq "the form with pages 5-2: 400" "$(form "$W/alice" -F "csrf=$CSRF" -F page_ranges=5-2 -F "files=@$W/one.pdf;filename=badrange.pdf")" 400
check "  saying why" grep -q 'page ranges cannot be used' "$W/out"
check_eq "  nothing stored" "$(jobs_count)" "$C0"
check_eq "an option field of 200 bytes: 400" "$(form "$W/alice" -F "csrf=$CSRF" -F "sides=$(printf 'x%.0s' $(seq 200))" -F "files=@$W/one.pdf;filename=long.pdf")" 400
check_eq "  nothing stored" "$(jobs_count)" "$C0"
curl -sk -b "$W/alice" "$BASE/jobs" > "$W/jobs2.html"
check "the upload form has the options before the files" python3 -c '
import re, sys
page = open(sys.argv[1]).read()
form = re.search(r"<form[^>]*id=\"upload-form\".*?</form>", page, re.S).group(0)
names = re.findall(r"name=\"([a-z_]+)\"", form)
sys.exit(0 if names[:7] == ["csrf", "copies", "sides", "color_mode", "page_ranges", "number_up", "files"] else 1)' "$W/jobs2.html"
check "each option has its label" sh -c "for i in copies sides color-mode page-ranges number-up; do grep -q \"<label for=\\\"\$i\\\">\" $W/jobs2.html || exit 1; done"
check "a held job shows its options in its form" grep -q "id=\"copies-$J4\" name=\"copies\" min=\"1\" max=\"999\" value=\"2\"" "$W/jobs2.html"
check "  and its pages" grep -q "id=\"page-ranges-$J4\"[^>]*value=\"2\"" "$W/jobs2.html"
check "still no inline script or style" sh -c "! grep -Eqi '<script>|<style|style=|onclick=|onload=' $W/jobs2.html"

check_eq "change a held job by API: 200" "$(api POST "/api/v1/jobs/$J4/options" '{"copies":"1","page_ranges":""}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
check_eq "  copies and pages changed, the others kept" "$(opts)" "1/two-sided-long-edge/monochrome//2"
check "  audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep job.options | grep -q 'copies=1 sides=two-sided-long-edge color=monochrome pages=all number-up=2'"
check_eq "without the CSRF token: 403" "$(api POST "/api/v1/jobs/$J4/options" '{"copies":"5"}' "$W/alice")" 403
check_eq "number_up 5: 400" "$(api POST "/api/v1/jobs/$J4/options" '{"number_up":"5"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 400
check_eq "  reason bad-option" "$(field reason)" bad-option
check_eq "copies 1000: 400" "$(api POST "/api/v1/jobs/$J4/options" '{"copies":"1000"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 400
check_eq "  unchanged" "$(job_opts "$J4")" "1/two-sided-long-edge/monochrome//2"
check_eq "bob cannot change it: 404" "$(api POST "/api/v1/jobs/$J4/options" '{"copies":"9"}' "$W/bob" -H "X-CSRF-Token: $BOB_CSRF")" 404
check_eq "  nor by page: 404" "$(api POST /jobs/options '' "$W/bob" -H 'Content-Type: application/x-www-form-urlencoded' --data "id=$J4&csrf=$BOB_CSRF&copies=9")" 404
check_eq "  unchanged" "$(job_opts "$J4")" "1/two-sided-long-edge/monochrome//2"
FAILED_JOB=$(curl -sk -b "$W/alice" "$BASE/api/v1/jobs" | python3 -c 'import json, sys; print([j["id"] for j in json.load(sys.stdin)["jobs"] if j["name"] == "big.bin"][0])')
check_eq "a failed job (the chunked big.bin): 409" "$(api POST "/api/v1/jobs/$FAILED_JOB/options" '{"copies":"2"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 409
check_eq "  reason not-held" "$(field reason)" not-held
check_eq "change by the page: 303" "$(api POST /jobs/options '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' \
  --data "id=$J4&csrf=$CSRF&copies=4&sides=one-sided&color_mode=auto&page_ranges=2&number_up=1")" 303
check_eq "  seen by the API" "$(job_opts "$J4")" "4/one-sided/auto/2/1"
check_eq "the page with pages 9-1: 400" "$(api POST /jobs/options '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "id=$J4&csrf=$CSRF&page_ranges=9-1")" 400
check "  saying why" grep -q 'Options not changed' "$W/out"
N2=$(pdfs)
check_eq "release it to lobby" "$(api POST "/api/v1/jobs/$J4/release" '{"printer":"lobby"}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
check "  the printer got it" peers_wait 20 sh -c "[ \$(find $PRN_DIR -name '*.pdf' | wc -l) -gt $N2 ]"
check_eq "  only page 2 of two.pdf, as changed" "$(pdfinfo "$(ls -t "$PRN_DIR"/*.pdf "$PRN_DIR"/*/*.pdf 2>/dev/null | head -1)" | sed -n 's/^Pages: *//p')" 1

# ---- my addresses, from the pages -----------------------------------------------------------
A0=$(mails_to alice.two@example.test)
check_eq "add an address by the page: 202" "$(api POST /addresses/add '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "csrf=$CSRF&address=alice.two%40example.test")" 202
check "  the answer asks for the code" grep -q 'id="address-verify"' "$W/out"
A2_CODE=$(mail_code alice.two@example.test code "$A0")
check "  a code was mailed" test -n "$A2_CODE"
curl -sk -b "$W/alice" "$BASE/jobs" > "$W/jobs3.html"
check "/jobs lists it, waiting for its code, with a code form" sh -c "grep -q 'alice.two@example.test</span> &middot; <span class=\"address-state\">waiting for its code' $W/jobs3.html && grep -q 'id=\"address-verify-' $W/jobs3.html"
check_eq "without the CSRF token: 403" "$(api POST /addresses/add '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "address=x%40example.test")" 403
check_eq "not an address: 400" "$(api POST /addresses/add '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "csrf=$CSRF&address=nope")" 400
check_eq "bob cannot confirm alice's address: 404" "$(api POST /addresses/verify '' "$W/bob" -H 'Content-Type: application/x-www-form-urlencoded' --data "csrf=$BOB_CSRF&address=alice.two%40example.test&code=$A2_CODE")" 404
check_eq "a wrong code: 401" "$(api POST /addresses/verify '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "csrf=$CSRF&address=alice.two%40example.test&code=$(printf '%06d' $(( (10#$A2_CODE + 1) % 1000000 )))")" 401
check_eq "the right code: 303" "$(api POST /addresses/verify '' "$W/alice" -H 'Content-Type: application/x-www-form-urlencoded' --data "csrf=$CSRF&address=alice.two%40example.test&code=$A2_CODE")" 303
check "  verified" sh -c "curl -sk -b $W/alice $BASE/api/v1/addresses | grep -q '\"address\":\"alice.two@example.test\",\"state\":\"verified\"'"
check_eq "  alice's session still works" "$(api GET /api/v1/me '' "$W/alice"; field user)" "200alice"

# ---- sign-out -------------------------------------------------------------------------------
cp "$W/alice" "$W/alice-old"
check_eq "sign out" "$(api POST /api/v1/signout '{}' "$W/alice" -H "X-CSRF-Token: $CSRF")" 200
check_eq "the old cookie is useless" "$(api GET /api/v1/me '' "$W/alice-old")" 401
check_eq "  also for pages (sign-in redirect)" "$(api GET /jobs '' "$W/alice-old")" 303

# ---- code brute force ------------------------------------------------------------------------
B0=$(mails_to bob@example.test)
check_eq "a code for bob" "$(api POST /api/v1/signin/code '{"address":"bob@example.test"}' "$W/x")" 202
BOB_CODE=$(mail_code bob@example.test code "$B0")
WRONG=$(printf '%06d' $(( (10#$BOB_CODE + 1) % 1000000 )))
N=0
for i in 1 2 3 4; do
  [ "$(api POST /api/v1/signin/verify "{\"address\":\"bob@example.test\",\"code\":\"$WRONG\"}" "$W/x")" = 401 ] && N=$((N + 1))
done
check_eq "4 wrong codes for bob: 401" "$N" 4
check "alice's right code in between (positive control)" signin alice@example.test "$W/alice2"
check_eq "the 5th wrong code for bob: 401" "$(api POST /api/v1/signin/verify "{\"address\":\"bob@example.test\",\"code\":\"$WRONG\"}" "$W/x")" 401
check_eq "then bob's right code is locked out: 429" "$(api POST /api/v1/signin/verify "{\"address\":\"bob@example.test\",\"code\":\"$BOB_CODE\"}" "$W/x")" 429
check_eq "  reason locked" "$(field reason)" locked
check "the lock is audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep signin.fail | grep bob@example.test | grep -q 'code locked'"

C0=$(mails_to carol@example.test)
check_eq "a code for carol" "$(api POST /api/v1/signin/code '{"address":"carol@example.test"}' "$W/x")" 202
CAROL_CODE=$(mail_code carol@example.test code "$C0")
WRONG=$(printf '%06d' $(( (10#$CAROL_CODE + 1) % 1000000 )))
PAR=()
for i in 1 2 3 4 5 6; do
  curl -sk -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
       --data "{\"address\":\"carol@example.test\",\"code\":\"$WRONG\"}" "$BASE/api/v1/signin/verify" > "$W/par.$i" &
  PAR+=($!)
done
wait "${PAR[@]}"
check_eq "6 parallel wrong codes: 5 checked" "$(cat "$W"/par.* | grep -c 401)" 5
check_eq "  and 1 locked" "$(cat "$W"/par.* | grep -c 429)" 1

# ---- guests off ----------------------------------------------------------------------------
check_eq "an unknown address is refused while guests are off" "$(api POST /api/v1/signin/code '{"address":"eve@example.test"}' "$W/x")" 403
check_eq "  reason guests-off" "$(field reason)" guests-off
check_eq "  no mail to it" "$(mails_to eve@example.test)" 0

gw_stop
check_eq "printgated stops cleanly (no sanitizer report)" "$GW_STATUS" 0
gw_finish
