#!/usr/bin/env bash
# ipp-plain.sh - plain ipp:// (IppPlainPort): off unless the admin sets it,
# and then it never takes credentials or tokens in clear:
#  1. off by default: nothing listens on the port, and DNS-SD publishes
#     _ipps._tcp but no _ipp._tcp;
#  2. on: Get-Printer-Attributes answers, listing the ipps:// URI first;
#     every other operation is refused with client-error-not-authorized,
#     never a 401 (which would ask for a password in clear), and nothing is
#     stored; a request with an Authorization header (even a right
#     password) or to a token URL (even a valid token) is refused, the
#     token not even looked at: a dozen unknown tokens in clear lock
#     nothing out, while over TLS (the control) fewer lock the client out;
#     the TLS port still asks for Basic and takes the same password and
#     token; _ipp._tcp is published on the plain port; a reload without
#     IppPlainPort keeps it (a restart is needed) and says so.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
peers_start_avahi || { echo "FAIL avahi-daemon did not start"; exit 1; }
NAME="Printgate Plain $$"
PLAIN=$(peers_free_port)
gw_start "IppPrinterName \"$NAME\"" "PinMaxFailures 4" || exit 1
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)
gw_make_pdf "$W/doc.pdf" 1 "IPP plain test"
ipc() { $IPC "$GW_PORT" "$@" 2>&1; }
plain() { $IPC "$PLAIN" "$@" --plain 2>&1; }
has() { echo "$1" | grep -q -- "$2"; }
jobs_now() { gw --json job list | grep -c '"id"'; }
spool_files() { find "$GW_STATE" -path '*spool*' -name '*.pgs' -type f 2>/dev/null | wc -l; }
browsed() {   # browsed TYPE PORT: our service resolves under TYPE on PORT
  local enc=${NAME// /\\032}
  timeout 10 avahi-browse -rtpk "$1" 2>/dev/null | grep "^=;" | grep -F ";$enc;$1;" | cut -d';' -f9 | grep -qx "$2"
}

# ---- 1. Off by default -------------------------------------------------------
check "off by default: nothing on the plain port" has "$(plain gpa)" "CONNECT-ERROR"
check "the status names no plain port" sh -c "! '$PRINTGATE' -c '$GW_CONF' --json status | grep -q plain_port"
check "_ipps._tcp is published" peers_wait 15 browsed _ipps._tcp "$GW_PORT"
check "_ipp._tcp is not" sh -c "! timeout 6 avahi-browse -rtpk _ipp._tcp 2>/dev/null | grep -qF ';${NAME// /\\\\032};'"

# ---- 2. On -------------------------------------------------------------------
gw_stop TERM
echo "IppPlainPort $PLAIN" >> "$GW_CONF"
gw_restart || exit 1
check_eq "the status names the plain port" "$(gw --json status | gw_json_field plain_port)" "$PLAIN"
out=$(plain gpa)
check "Get-Printer-Attributes over plain ipp:// ($out)" has "$out" "HTTP 200 IPP 0x0000"
check "... lists the ipps:// URI first, then the plain one" has "$out" "printer-uri-supported=ipps://localhost:$GW_PORT/ipp/print printer-uri-supported=ipp://localhost:$PLAIN/ipp/print"
check "... with security tls then none" has "$out" "uri-security-supported=tls uri-security-supported=none"
check "... and authentication basic then none" has "$out" "uri-authentication-supported=basic uri-authentication-supported=none"

TURL=$(gw device add alice alice-phone | sed -n 's/^ *URL: *//p')
TOKEN=${TURL##*/}
check "a device token was made" test -n "$TOKEN"
JOBS=$(jobs_now); SPOOL=$(spool_files)
out=$(plain print --document "$W/doc.pdf" --format application/pdf)
check "Print-Job over plain: not-authorized, no 401 ($out)" sh -c "echo '$out' | grep -q 'HTTP 200 IPP 0x0403' && ! echo '$out' | grep -q WWW-Authenticate"
out=$(plain print --document "$W/doc.pdf" --format application/pdf --auth "alice:$APW")
check "Print-Job with the right password over plain: refused ($out)" has "$out" "HTTP 200 IPP 0x0403 (Plain ipp:// takes no credentials"
out=$(plain gpa --auth "alice:$APW")
check "even Get-Printer-Attributes with credentials is refused" has "$out" "IPP 0x0403"
out=$(plain print --document "$W/doc.pdf" --format application/pdf --path "/ipp/print/$TOKEN")
check "Print-Job to a valid token URL over plain: refused ($out)" has "$out" "HTTP 200 IPP 0x0403"
check "Get-Printer-Attributes on a token URL over plain: refused" has "$(plain gpa --path "/ipp/print/$TOKEN")" "IPP 0x0403"
check "Validate-Job over plain: refused" has "$(plain validate)" "IPP 0x0403"
check "Get-Jobs over plain: refused" has "$(plain gjobs --which all)" "IPP 0x0403"
check_eq "nothing stored (jobs)" "$(jobs_now)" "$JOBS"
check_eq "nothing stored (spool files)" "$(spool_files)" "$SPOOL"
for i in $(seq 12); do plain gpa --path "/ipp/print/not-a-token-$i" >/dev/null; done
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --path "/ipp/print/$TOKEN")
check "12 unknown tokens in clear were never tried: the token still prints over TLS ($out)" has "$out" "HTTP 200 IPP 0x0000 job-id="
out=$(ipc print --document "$W/doc.pdf" --format application/pdf)
check "the TLS port still asks for Basic" has "$out" 'HTTP 401 \[WWW-Authenticate: Basic'
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --auth "alice:$APW")
check "and takes alice's password" has "$out" "HTTP 200 IPP 0x0000 job-id="
check "_ipp._tcp is published on the plain port" peers_wait 15 browsed _ipp._tcp "$PLAIN"
check "... and _ipps._tcp on the TLS port" browsed _ipps._tcp "$GW_PORT"
check "the log says plain ipp:// is on" grep -q "plain ipp://.* is on (IppPlainPort)" "$GW_LOG"
sed -i '/^IppPlainPort /d' "$GW_CONF"
kill -HUP "$GW_PID"
check "a reload without IppPlainPort keeps it until a restart (warned)" peers_wait 10 grep -q "IppPlainPort and TLS\* changes need a restart" "$GW_LOG"
check "... still served" has "$(plain gpa)" "HTTP 200 IPP 0x0000"

# Control, last (it locks 127.0.0.1 out for tokens): over TLS, unknown tokens are tried and counted.
for i in 1 2 3 4; do ipc gpa >/dev/null; ipc gjobs --path "/ipp/print/not-a-token-$i" >/dev/null; done
out=$(ipc print --document "$W/doc.pdf" --format application/pdf --path "/ipp/print/$TOKEN")
check "control: 4 unknown tokens over TLS lock the client out ($out)" has "$out" "IPP 0x0403 (Too many failed"

gw_stop TERM
gw_finish
