#!/usr/bin/env bash
# office-daemon.sh - printgated and the Office pool (docs/office.md): with
# OfficeWorkers 1 the daemon starts a confined LibreOffice instance in the
# background, and SIGTERM stops it and leaves nothing on tmpfs; with
# LibreOffice missing (a wrong OfficePath) or OfficeWorkers 0 the daemon
# still starts and says why Office documents are refused.  The conversions
# themselves are tests/unit/test-office.c.  Skipped (77) only when
# LibreOffice is not installed.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init

if [ ! -x /usr/lib/libreoffice/program/soffice.bin ] || [ ! -r /usr/lib/python3/dist-packages/uno.py ]; then
  echo "SKIP: LibreOffice or python3-uno is not installed (scripts/deps.sh --test)"
  exit 77
fi

T=$(mktemp -d /dev/shm/pgtest.XXXXXX)
chmod 0711 "$T"     # OfficeUser must pass through every folder above OfficeTmpDir
trap 'rm -rf "$T"' EXIT

# On, with the build tree's helpers (OfficeHelperDir empty).  OfficeTimeout is left at its default
# (120 s): every document below is a good one (the cut docx fails by itself), so none may be cut
# short by a slow LibreOffice start on a loaded CPU.
O=$GW_SOURCE_DIR/tests/data/office
gw_start "OfficeWorkers 1" "OfficeTmpDir $T/office" "ConversionDir $T/conv"
gw user add olga >/dev/null
PID=
for i in $(seq 900); do
  PID=$(sed -n 's/.*Office instance 0 started (pid \([0-9]*\),.*/\1/p' "$GW_LOG" | head -1)
  [ -n "$PID" ] && break
  sleep 0.1
done
check "the daemon started a LibreOffice instance" test -n "$PID"
check "the instance runs in its own process group" kill -0 -- "-${PID:-0}"
WANT_USER=nobody                 # OfficeUser when root; otherwise our own user inside a user namespace
[ "$(id -u)" -eq 0 ] || WANT_USER=$(id -un)
check "its soffice.bin runs as $WANT_USER" sh -c "ps -eo pgid=,user=,comm= | grep -Eq '^ *${PID:-0} +$WANT_USER +soffice.bin'"
check "the session directory is on OfficeTmpDir" sh -c "ls -d $T/office/office-$GW_PID-* >/dev/null"
out=$(curl -sS --tlsv1.2 --cacert "$GW_STATE/tls/server.crt" "https://localhost:$GW_PORT/health")
check "/health reports the Office pool ready" sh -c "echo '$out' | grep -q '\"office\":{\"status\":\"ok\",\"instances\":1,\"ready\":1'"

# Submissions through the pool: the PDF LibreOffice makes goes through the
# sandboxed helper like any PDF, and is held with its counts.
for f in sample.docx sample.xlsx sample.odp; do
  J=$(gw job submit --user olga "$O/$f" 2>&1)
  check "$f: held" sh -c "gw() { '$PRINTGATE' -c '$GW_CONF' \"\$@\"; }; gw --json job show '$J' | grep -q '\"state\": \"held\"'"
  check "$f: pages counted" sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show '$J' | grep -Eq '\"pages\": [1-9]'"
done
check "the log says what the documents were" sh -c "grep -q 'held: docx converted to' '$GW_LOG' && grep -q 'held: odp converted to' '$GW_LOG'"
# The formats of issue 15: a drawing, an OOXML and an ODF template (Debian's), a CSV and an HTML page,
# each held with its exact page count.
for fp in "$O/sample.odg:2" "$O/sample.dotx:1" "/usr/lib/libreoffice/share/template/common/presnt/Progress.otp:4" \
          "$O/calc.csv:1" "/usr/share/doc/base-passwd/users-and-groups.html:"; do
  f=${fp%:*}; n=${fp##*:}
  J=$(gw job submit --user olga "$f" 2>&1)
  check "$(basename "$f"): held with ${n:-its} pages" sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show '$J' | grep -q '\"state\": \"held\"' && '$PRINTGATE' -c '$GW_CONF' --json job show '$J' | grep -Eq '\"pages\": ${n:-[1-9]}'"
done
check "the log names them by content" sh -c "grep -q 'held: odg converted to' '$GW_LOG' && grep -q 'held: csv converted to' '$GW_LOG' && grep -q 'held: html converted to' '$GW_LOG'"
head -c 3000 "$O/sample.docx" > "$T/cut.docx"
out=$(gw job submit --user olga "$T/cut.docx" 2>&1); rc=$?
check "a cut docx fails with its reason and name" sh -c "test $rc -ne 0 && echo \"\$1\" | grep -q 'cut.docx: '" _ "$out"
check "the instance still serves after the failure" sh -c "J=\$('$PRINTGATE' -c '$GW_CONF' job submit --user olga '$O/sample.odt') && '$PRINTGATE' -c '$GW_CONF' --json job show \$J | grep -q '\"state\": \"held\"'"
# (The pool's waiting helpers, ConversionPool 2 of two kinds, each have an empty folder of their own.)
check "no original and no conversion folder left" sh -c "test -z \"\$(find '$GW_STATE/spool' -name '*-0.pgs')\" && test -z \"\$(find '$T/conv' -mindepth 2)\" && test \$(ls -A '$T/conv' | wc -l) -le 4"
gw_stop TERM
check_eq "SIGTERM exit status" "$GW_STATUS" 0
check "no process of the instance is left" peers_wait 10 sh -c "! kill -0 -- -${PID:-0} 2>/dev/null"
check "nothing is left in OfficeTmpDir" test -z "$(ls -A "$T/office")"

# As root, a folder above OfficeTmpDir that OfficeUser cannot pass: refused at start with the reason.
if [ "$(id -u)" -eq 0 ]; then
  mkdir -m 0700 "$T/closed"
  gw_start "OfficeWorkers 1" "OfficeTmpDir $T/closed/office"
  check "a closed folder above OfficeTmpDir is named in the log" grep -q "closed to OfficeUser" "$GW_LOG"
  gw_stop TERM
fi

# LibreOffice "missing": the daemon still starts and logs why.
gw_start "OfficeWorkers 1" "OfficeTmpDir $T/office" "OfficePath /nonexistent/program/soffice"
check "a missing LibreOffice is logged" grep -q "LibreOffice is not installed" "$GW_LOG"
gw_stop TERM
check_eq "SIGTERM exit status (no LibreOffice)" "$GW_STATUS" 0

# Off by default.
gw_start "ConversionDir $T/conv"
check "OfficeWorkers 0 is logged" grep -q "Office documents are refused (OfficeWorkers is 0)" "$GW_LOG"
out=$(gw job submit --user olga "$O/sample.docx" 2>&1); rc=$?
check "Office off: a docx is refused with the sentence" sh -c "test $rc -ne 0 && echo \"\$1\" | grep -q 'sample.docx: Office documents are not enabled on this gateway; send a PDF instead.'" _ "$out"
out=$(curl -sS --tlsv1.2 --cacert "$GW_STATE/tls/server.crt" "https://localhost:$GW_PORT/health")
check "/health reports Office off" sh -c "echo '$out' | grep -q '\"office\":{\"status\":\"off\"}'"
gw_stop TERM

gw_finish
