#!/usr/bin/env bash
# ipp-cups-client.sh - a real cupsd as the client a Linux desktop or a
# Chromebook is: a driverless queue made with `lpadmin -m everywhere -v
# ipps://USER:PASSWORD@…/ipp/print` (cupsd reads the gateway's printer
# attributes to make it), then `lp` of a 2-page PDF, a JPEG and a 3-page
# text file: each lands held for the authenticated user (not cupsd's
# requesting-user-name, root) with its page count, and `lpstat` lists the
# jobs.  Positive control: a queue with a wrong password gets no job held.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
peers_start_cupsd
mkdir -p "$PEERS_CUPS_DIR/etc/ssl"                 # cupsd's trust-on-first-use store
chown root:lp "$PEERS_CUPS_DIR/etc/ssl"; chmod 0770 "$PEERS_CUPS_DIR/etc/ssl"
gw_start
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)
CUPS="127.0.0.1:$PEERS_CUPS_PORT"
sleep 1

check "lpadmin -m everywhere against the gateway" lpadmin -h "$CUPS" -p gw -E -m everywhere -v "ipps://alice:$APW@localhost:$GW_PORT/ipp/print"
check "the queue's PPD says color and duplex" peers_wait 10 sh -c "grep -q 'ColorDevice: True' $PEERS_CUPS_DIR/etc/ppd/gw.ppd && grep -q 'DuplexNoTumble' $PEERS_CUPS_DIR/etc/ppd/gw.ppd"

gw_make_pdf "$W/two.pdf" 2 "From cupsd"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r40 -dFirstPage=1 -dLastPage=1 -sOutputFile="$W/photo.jpg" "$W/two.pdf"
printf 'Page one\n\fPage two\n\fPage three\n' > "$W/three.txt"
check "lp a PDF"  lp -h "$CUPS" -d gw -t two-pdf "$W/two.pdf"
# This machine's cupsd has no base mime.types (only cups-filters' types), so
# it cannot type JPEG or text: they go raw (document-format
# application/octet-stream) and the gateway converts them by their content.
check "lp a JPEG" lp -h "$CUPS" -d gw -o raw -t photo-jpg "$W/photo.jpg"
check "lp a text" lp -h "$CUPS" -d gw -o raw -t three-txt "$W/three.txt"

pages() {   # pages NAME: the held job's page count
  "$PRINTGATE" -c "$GW_CONF" job list --user alice | awk -v n="$1" '$3 == "held" && $NF == n {print $4}'
}
check "all three held for alice" peers_wait 60 sh -c "test \$($PRINTGATE -c $GW_CONF job list --user alice | grep -c ' held ') -eq 3"
"$PRINTGATE" -c "$GW_CONF" job list | sed 's/^/    /'
check_eq "the PDF has 2 pages" "$(pages two-pdf)" 2
check_eq "the JPEG has 1 page" "$(pages photo-jpg)" 1
check_eq "the text has 3 pages" "$(pages three-txt)" 3
check "no job for root (cupsd's requesting-user-name)" sh -c "! $PRINTGATE -c $GW_CONF job list | grep -q ' root '"
lpstat -h "$CUPS" -W all -o > "$W/lpstat.txt" 2>&1
sed 's/^/    /' "$W/lpstat.txt"
check "lpstat lists the jobs" sh -c "test \$(grep -c '^gw-' $W/lpstat.txt) -eq 3"

# Last, as its failures lock out 127.0.0.1 (every cupsd job comes from there).
# Once in CI (December 2026, cups 2.4.2-3+deb12u11) the private cupsd itself
# aborted (SIGABRT) while answering this lp, so lp read no response; 24 runs
# under load did not repeat it.  A crash of the peer's own: if cupsd has
# died, its post-mortem (stderr, error_log) is printed, it is started again
# and these two steps are repeated once; they must then pass.
for try in 1 2; do
  before=$GW_FAILURES
  check "lpadmin -m everywhere with a wrong password" lpadmin -h "$CUPS" -p gwbad -E -m everywhere -v "ipps://alice:wrong@localhost:$GW_PORT/ipp/print"
  check "lp to the wrong-password queue" lp -h "$CUPS" -d gwbad -t bad-pdf "$W/two.pdf"
  [ "$try" = 1 ] && [ "$GW_FAILURES" != "$before" ] && peers_cupsd_post_mortem || break
  echo "RETRY: cupsd died (above), not the gateway; starting it again and repeating the wrong-password steps once"
  GW_FAILURES=$before
  GW_CHECKS=$((GW_CHECKS - 2))
  peers_stop "$PEERS_CUPS_PID"
  peers_start_cupsd
  CUPS="127.0.0.1:$PEERS_CUPS_PORT"
done
check "cupsd holds it for authentication" peers_wait 30 sh -c "lpstat -h $CUPS -l -o gwbad | grep -qi 'auth'"
check "nothing held from the wrong-password queue" sh -c "! $PRINTGATE -c $GW_CONF job list | grep -q bad-pdf"
gw_finish
