#!/usr/bin/env bash
# web-browser.sh - the web portal in a real browser: Debian's headless
# Chromium driven through chromedriver (tests/browser/webdriver.py, Python
# standard library only) against printgated on a random loopback port, with
# a real ippeveprinter and the mail rig (tests/lib/mail-rig.sh) delivering
# the sign-in codes to alice's Maildir.  The gateway's certificate is signed
# by a test CA that Chromium trusts through an NSS database in its own HOME
# (no --ignore-certificate-errors; a browser without the CA is refused: the
# positive control).  What the browser does and checks is listed at the top
# of tests/browser/portal-test.py.  Screenshots of every page at phone
# (390x844) and desktop (1280x800) widths are kept in
# $GW_BUILD_DIR/browser-output/ (their paths are printed); the admin console's
# (tests/browser/admin-test.py) in browser-output/admin/, and the console's
# end-to-end flows (tests/browser/admin-flows-test.py) in browser-output/admin-flows/.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"

# CI installs these (scripts/deps.sh --test): missing, they are a failure, not a skip.
for p in chromium chromedriver certutil openssl; do
  if ! command -v "$p" >/dev/null; then
    echo "FAIL: $p is missing: the browser test needs chromium chromium-driver libnss3-tools (scripts/deps.sh --test)"
    exit 1
  fi
done
if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/postfix/sbin/master ]; then
  echo "FAIL: the mail rig needs dovecot-imapd dovecot-lmtpd postfix (scripts/deps.sh --test)"
  exit 1
fi

peers_init
RIG="$GW_SOURCE_DIR/tests/lib/mail-rig.sh"
peers_reserve_mailrig || { echo "FAIL: no port base for the mail rig"; exit 1; }   # MAILRIG_PORT_BASE, MAILRIG_DIR
rig_stop() { [ -d "$MAILRIG_DIR" ] && bash "$RIG" stop >/dev/null 2>&1; return 0; }
trap 'rig_stop; peers_cleanup' EXIT
W=$PEERS_DIR
OUT="$GW_BUILD_DIR/browser-output"
rm -rf "$OUT"
mkdir -p "$OUT"

peers_start_avahi || { echo "FAIL: no avahi-daemon of our own for ippeveprinter"; exit 1; }
peers_start_ippeveprinter "PG Browser" application/pdf || { echo "FAIL: ippeveprinter did not start"; exit 1; }
check "mail rig starts" bash "$RIG" start
PRN_PORT=$PEERS_IPP_PORT PRN_DIR=$PEERS_IPP_DIR

# A test CA, and the gateway's certificate for 127.0.0.1 and localhost signed by it.
mkdir -p "$W/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Printgate browser test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$W/tls/ca.key" -out "$W/tls/ca.crt" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$W/tls/server.key" -out "$W/tls/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > "$W/tls/server.ext"
openssl x509 -req -in "$W/tls/server.csr" -CA "$W/tls/ca.crt" -CAkey "$W/tls/ca.key" -CAcreateserial -days 30 \
  -extfile "$W/tls/server.ext" -out "$W/tls/server.crt" 2>/dev/null
# Chromium on Linux trusts the NSS database in $HOME/.pki/nssdb: one HOME with the CA, one without.
mkdir -p "$W/home/.pki/nssdb" "$W/home-noca/.pki/nssdb"
check "the test CA goes into the browser's NSS database" sh -c "
  certutil -d sql:$W/home/.pki/nssdb -N --empty-password && certutil -d sql:$W/home-noca/.pki/nssdb -N --empty-password &&
  certutil -d sql:$W/home/.pki/nssdb -A -t C,, -n printgate-test-ca -i $W/tls/ca.crt"

gw_start "TLSCertificate $W/tls/server.crt" "TLSKey $W/tls/server.key" \
         "SmtpServer 127.0.0.1:$((MAILRIG_PORT_BASE + 25))" "SmtpTLS off" "SmtpFrom print@example.test" \
         "SmtpRetryDelay 1s" "MaxDocumentSize 4M" "ConversionWorkers 2"
check "alice (verified address) and the printer lobby" sh -c "
  $PRINTGATE -c $GW_CONF user add alice --email alice@example.test && $PRINTGATE -c $GW_CONF address verify alice@example.test &&
  $PRINTGATE -c $GW_CONF printer add lobby ipp://127.0.0.1:$PRN_PORT/ipp/print --location 'Ground floor, by the lifts'"

gw_make_pdf "$W/two-pages.pdf" 2 "Browser two"
gw_make_pdf "$W/one-page.pdf" 1 "Browser one"
gw_make_pdf "$W/<script>alert(1)<script>.pdf" 1 "Browser script name"

HOME="$W/home" python3 "$GW_SOURCE_DIR/tests/browser/portal-test.py" \
  --base "https://127.0.0.1:$GW_PORT" --out "$OUT" --work "$W" \
  --maildir "$MAILRIG_DIR/mail/alice@example.test/Maildir" --address alice@example.test \
  --printer lobby --printer-location 'Ground floor, by the lifts' --printer-dir "$PRN_DIR" \
  --noca-home "$W/home-noca" \
  --files "$W/two-pages.pdf" "$W/one-page.pdf" --script-file "$W/<script>alert(1)<script>.pdf"
RC=$?
check_eq "the browser test (tests/browser/portal-test.py) passed" "$RC" 0

# The admin console (tests/browser/admin-test.py): password, TOTP enrolment, a user, an address approved.
check "an admin account for the console" sh -c "$PRINTGATE -c $GW_CONF user add boss --role admin && $PRINTGATE -c $GW_CONF user password boss > $W/boss.pw"
HOME="$W/home" python3 "$GW_SOURCE_DIR/tests/browser/admin-test.py" --base "https://127.0.0.1:$GW_PORT" --out "$OUT/admin" --work "$W" \
  --name boss --password "$(cat "$W/boss.pw")" --new-address browser-user@example.test
check_eq "the console's browser test (tests/browser/admin-test.py) passed" "$?" 0
check_eq "  its address is verified by boss in the store" "$($PRINTGATE -c $GW_CONF address list --user browser-user | grep -c 'verified.*boss')" 1

# The console's end-to-end flows (tests/browser/admin-flows-test.py): a printer added and its test page, the
# guests rule, a guest's colour upload held mono and the 11th page refused at release, the audit CSV download,
# an erasure the report keeps anonymised.  A second admin (boss enrolled in admin-test.py) and a guest (the rig's bob mailbox).
check "a second admin and a guest with a verified address" sh -c "$PRINTGATE -c $GW_CONF user add boss2 --role admin && $PRINTGATE -c $GW_CONF user password boss2 > $W/boss2.pw &&
  $PRINTGATE -c $GW_CONF user add visitor --role guest --email bob@example.test && $PRINTGATE -c $GW_CONF address verify bob@example.test"
check "a 10-page colour PDF" gs -q -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/colour-ten.pdf" -c "1 1 10 { pop 1 0 0 setrgbcolor 100 100 300 300 rectfill showpage } for"
gw_make_pdf "$W/eleventh.pdf" 1 "Browser eleventh"
HOME="$W/home" python3 "$GW_SOURCE_DIR/tests/browser/admin-flows-test.py" --base "https://127.0.0.1:$GW_PORT" --out "$OUT/admin-flows" --work "$W" \
  --name boss2 --password "$(cat "$W/boss2.pw")" --printer-uri "ipp://127.0.0.1:$PRN_PORT/ipp/print" --printer-dir "$PRN_DIR" \
  --guest visitor --guest-address bob@example.test --guest-maildir "$MAILRIG_DIR/mail/bob@example.test/Maildir" \
  --colour-file "$W/colour-ten.pdf" --one-file "$W/eleventh.pdf"
check_eq "the console's flows in the browser (tests/browser/admin-flows-test.py) passed" "$?" 0
check_eq "  the erased guest's usage rows are kept anonymised in the store" "$(sqlite3 "$GW_STATE/printgate.db" "SELECT count(*) FROM users WHERE name = 'visitor'")/$(sqlite3 "$GW_STATE/printgate.db" "SELECT count(*) FROM print_usage WHERE user_name = 'visitor'")/$(sqlite3 "$GW_STATE/printgate.db" "SELECT sum(pages) FROM print_usage WHERE user_name LIKE 'erased-%' AND outcome = 'printed'")" "0/0/10"

check "the device made on /setup is in the store" sh -c "$PRINTGATE -c $GW_CONF device list alice | grep -q browser-phone"
gw_stop
check_eq "printgated exits 0 on TERM" "$GW_STATUS" 0
check "no sanitizer report from printgated" sh -c "! grep -q 'Sanitizer' $GW_DIR/stdout"
gw_finish
