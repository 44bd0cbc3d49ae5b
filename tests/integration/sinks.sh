#!/bin/bash
#
# sinks.sh - the IPP and CUPS printer sinks against real peers.
#
# ctest runs this with GW_BUILD_DIR and GW_SOURCE_DIR set; the sink is driven
# through $GW_BUILD_DIR/tests/gw-sink-send (override with GW_SINK_SEND).  Peers:
# a private avahi-daemon, ippeveprinter as printers, a private cupsd with a
# raw queue.  Needs root (cupsd runs its filters as lp; avahi-daemon's pid
# file lives in /run).  Prints PASS/FAIL lines; exits non-zero on any FAIL.
#

set -u

GW_SOURCE_DIR=${GW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GW_BUILD_DIR=${GW_BUILD_DIR:-$GW_SOURCE_DIR/build}
SEND=${GW_SINK_SEND:-$GW_BUILD_DIR/tests/gw-sink-send}

# shellcheck source=../lib/peers.sh
. "$GW_SOURCE_DIR/tests/lib/peers.sh"

if [ ! -x "$SEND" ]; then
  echo "FAIL: $SEND is not built"
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: sinks.sh needs root (private cupsd and avahi-daemon)"
  exit 77
fi

peers_init || exit 1
W=$PEERS_DIR
OUT=""


#
# 'run_send()' - Run gw-sink-send; its stdout line in $OUT, stderr in $W/last.err.
#

run_send()
{
  OUT=$("$SEND" "$@" 2> "$W/last.err")
}


#
# 'expect()' - Check the last result: expect "what" STATUS REASON [TEXT-PART].
#

expect()
{
  local what=$1 status=$2 reason=$3 part=${4:-}

  if [[ "$OUT" == "status=$status reason=$reason "* ]] && { [ -z "$part" ] || [[ "$OUT" == *"$part"* ]]; }; then
    peers_pass "$what ($OUT)"
  else
    peers_fail "$what: expected status=$status reason=$reason${part:+ text~'$part'}, got '$OUT'"
    sed 's/^/    stderr: /' "$W/last.err"
  fi
}


#
# 'kept_file()' - The document ippeveprinter kept for job N in DIR.
#

kept_file()
{
  local f

  for f in "$1/$2"-*; do
    case "$f" in
      *.prn) ;;
      *) [ -f "$f" ] && echo "$f" && return 0 ;;
    esac
  done
  return 1
}


#
# 'job_id()' - printer_job_id from the last result.
#

job_id()
{
  local id=${OUT#*printer_job_id=}
  echo "${id%% *}"
}


# ---- documents ---------------------------------------------------------------

gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile="$W/report.pdf" \
   -c "/Helvetica findfont 24 scalefont setfont 72 700 moveto (Printgate sink test) show showpage" ||
  { echo "FAIL: gs could not make a PDF"; exit 1; }

# A document bigger than one 64 KiB piece, to prove streaming keeps every byte
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -dCompressPages=false -sOutputFile="$W/big.pdf" \
   -c "1 1 40 { /Helvetica findfont 12 scalefont setfont 1 1 60 { 40 exch 12 mul moveto (Page text that fills the page with bytes 0123456789) show } for showpage } for" ||
  { echo "FAIL: gs could not make the big PDF"; exit 1; }
chmod 0644 "$W"/*.pdf


# ---- IPP sink against ippeveprinter -------------------------------------------

peers_start_avahi || { echo "FAIL: avahi-daemon did not start"; exit 1; }

# 'lobby': colour, PDF, one-sided only, jobs finish at once (-c /bin/true)
peers_start_ippeveprinter lobby application/pdf -s 10,10 || { echo "FAIL: ippeveprinter lobby"; exit 1; }
LOBBY_URI=$PEERS_IPP_URI LOBBY_DIR=$PEERS_IPP_DIR LOBBY_PID=$PEERS_IPP_PID LOBBY_PORT=$PEERS_IPP_PORT

run_send --check --owner alice --printer lobby "$LOBBY_URI" "$W/report.pdf"
expect "check: a PDF printer that answers" ok none "answers and takes application/pdf"

run_send --owner alice --printer lobby "$LOBBY_URI" "$W/report.pdf"
expect "send a PDF to ipp://" ok none "sent to printer 'lobby'"
if f=$(kept_file "$LOBBY_DIR" "$(job_id)") && cmp -s "$W/report.pdf" "$f"; then
  peers_pass "the printer got the document byte for byte ($(stat -c %s "$f") bytes)"
else
  peers_fail "the printer's copy of job $(job_id) differs from the input (${f:-no file})"
fi

run_send --owner alice --printer lobby --copies 2 --color-mode color "$LOBBY_URI" "$W/big.pdf"
expect "send a $(stat -c %s "$W/big.pdf")-byte PDF with copies=2 in colour" ok none
if f=$(kept_file "$LOBBY_DIR" "$(job_id)") && cmp -s "$W/big.pdf" "$f"; then
  peers_pass "a document of several 64 KiB pieces arrives whole"
else
  peers_fail "the printer's copy of the big document differs (${f:-no file})"
fi

run_send --owner alice --printer lobby --sides two-sided-long-edge "$LOBBY_URI" "$W/report.pdf"
expect "two-sided asked of a one-sided printer is sent" ok none
if grep -q "cannot print two-sided-long-edge; sending the job one-sided" "$W/last.err"; then
  peers_pass "the one-sided fallback is logged as a warning"
else
  peers_fail "no warning about the one-sided fallback"
fi

before=$(find "$LOBBY_DIR" -name '*.pdf' | wc -l)
run_send --owner alice --printer lobby --damage-after 1000 "$LOBBY_URI" "$W/report.pdf"
expect "a document that cannot be read mid-way" failed spool-damaged "Send the document again"
sleep 0.5
after=$(find "$LOBBY_DIR" -name '*.pdf' | wc -l)
if [ "$before" = "$after" ]; then
  peers_pass "the printer did not get a truncated job"
else
  peers_fail "the printer kept a job from a truncated document ($before -> $after files)"
fi

# Nothing listens on this port
DEAD_PORT=$(peers_free_port)
run_send --owner alice --printer nowhere --timeout 5 "ipp://127.0.0.1:$DEAD_PORT/ipp/print" "$W/report.pdf"
expect "a printer where nothing listens" hold printer-unreachable "did not answer; the job stays held"

# Something accepts the connection but never answers: the timeout holds it
SILENT_PORT=$(peers_free_port)
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
time.sleep(600)' "$SILENT_PORT" &
peers_track $!
peers_wait_port "$SILENT_PORT" 10
start=$SECONDS
run_send --owner alice --printer silent --timeout 2 "ipp://127.0.0.1:$SILENT_PORT/ipp/print" "$W/report.pdf"
expect "a printer that never answers" hold printer-unreachable
if [ $((SECONDS - start)) -le 10 ]; then
  peers_pass "the silent printer was given up after the timeout ($((SECONDS - start)) s)"
else
  peers_fail "the silent printer took $((SECONDS - start)) s with a 2 s timeout"
fi

# 'raster': takes only PWG raster
peers_start_ippeveprinter raster image/pwg-raster || { echo "FAIL: ippeveprinter raster"; exit 1; }
RASTER_URI=$PEERS_IPP_URI RASTER_PID=$PEERS_IPP_PID
run_send --owner alice --printer raster "$RASTER_URI" "$W/report.pdf"
expect "a printer without PDF" hold printer-format-unsupported "cannot take PDF"
peers_stop "$RASTER_PID"

# 'slow': black and white, simulates 5-15 s of printing per job
PEERS_IPP_COMMAND="" peers_start_ippeveprinter slow application/pdf || { echo "FAIL: ippeveprinter slow"; exit 1; }
SLOW_URI=$PEERS_IPP_URI SLOW_DIR=$PEERS_IPP_DIR

run_send --check --owner alice --printer slow --color-mode color "$SLOW_URI" "$W/report.pdf"
expect "colour asked of a black-and-white printer" hold printer-no-color "prints only in black and white"

# Two releases at once: ippeveprinter answers the second with
# server-error-busy until the first has "printed"; the backoff
# (0.5, 1, 2, 4, 8, 16 s) outlasts its 5-15 s.
"$SEND" --owner alice --printer slow --name first.pdf --retries 6 --retry-delay 500 "$SLOW_URI" "$W/report.pdf" > "$W/busy1.out" 2> "$W/busy1.err" &
busy1=$!
"$SEND" --owner bob --printer slow --name second.pdf --retries 6 --retry-delay 500 "$SLOW_URI" "$W/big.pdf" > "$W/busy2.out" 2> "$W/busy2.err" &
busy2=$!
wait "$busy1"; rc1=$?
wait "$busy2"; rc2=$?
OUT=$(cat "$W/busy1.out"); cp "$W/busy1.err" "$W/last.err"
expect "first of two concurrent jobs" ok none
id1=$(job_id)
OUT=$(cat "$W/busy2.out"); cp "$W/busy2.err" "$W/last.err"
expect "second of two concurrent jobs" ok none
id2=$(job_id)
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ] && cat "$W/busy1.err" "$W/busy2.err" | grep -q "server-error-busy" &&
   cat "$W/busy1.err" "$W/busy2.err" | grep -q "is busy; retry 1 of 6 in 500 ms"; then
  peers_pass "one job met server-error-busy and was retried with backoff"
else
  peers_fail "no busy retry seen (rc $rc1/$rc2)"
fi
if f1=$(kept_file "$SLOW_DIR" "$id1") && f2=$(kept_file "$SLOW_DIR" "$id2") &&
   cmp -s "$W/report.pdf" "$f1" && cmp -s "$W/big.pdf" "$f2"; then
  peers_pass "the retried job was sent again from the start (rewind), byte for byte"
else
  peers_fail "the printer's copies after the busy retry differ from the inputs"
fi

# ipps: the sink pins the certificate on first use in the store it is
# given (--cert-dir, STATE/printer-certs in the daemon), never in
# ~/.cups/ssl or /etc/cups/ssl.  Run as nobody with a private HOME to
# show nothing lands there.
IPPS_URI="ipps://127.0.0.1:$LOBBY_PORT/ipp/print"
mkdir -p "$W/home" "$W/certs"
chown nobody "$W/home" "$W/certs"
chmod 0700 "$W/certs"
as_nobody()
{
  OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$W/home" "$SEND" --cert-dir "$W/certs" "$@" 2> "$W/last.err")
}
as_nobody --owner alice --printer lobby "$IPPS_URI" "$W/report.pdf"
expect "send over ipps:// (first use)" ok none
if [ -f "$W/certs/127.0.0.1.crt" ] && [ ! -e "$W/home/.cups" ]; then
  peers_pass "the printer's certificate was pinned on first use in the store, not in \$HOME/.cups"
else
  peers_fail "no certificate pinned in the store (or one written to \$HOME/.cups)"
fi
as_nobody --owner alice --printer lobby "$IPPS_URI" "$W/report.pdf"
expect "send over ipps:// again (certificate unchanged)" ok none

# Pretend the pinned certificate was a different, longer-lived one: the
# printer's real certificate is now a different one and is refused.
openssl req -x509 -newkey rsa:2048 -nodes -days 7300 -subj "/CN=127.0.0.1" \
  -keyout "$W/other.key" -out "$W/certs/127.0.0.1.crt" 2>/dev/null
chown nobody "$W/certs/127.0.0.1.crt"
as_nobody --owner alice --printer lobby "$IPPS_URI" "$W/report.pdf"
expect "ipps:// printer whose certificate differs from the pinned one" hold printer-refused "changed since it was first seen"

# The printer goes away
peers_stop "$LOBBY_PID"
run_send --owner alice --printer lobby --timeout 5 "$LOBBY_URI" "$W/report.pdf"
expect "a printer that was stopped" hold printer-unreachable "printer 'lobby' at $LOBBY_URI did not answer"


# ---- CUPS sink against a private cupsd ------------------------------------------

peers_start_cupsd || { echo "FAIL: cupsd did not start"; exit 1; }
CUPS_HOST=127.0.0.1:$PEERS_CUPS_PORT

# A plain raw queue to /dev/null: had the sink not asked for the hold, the
# job would print (to /dev/null) at once and not be pending-held.
peers_cups_add_queue front || { echo "FAIL: lpadmin could not add the queue"; exit 1; }

run_send --check --owner carol --printer front "cups://$CUPS_HOST/front" "$W/report.pdf"
expect "check: a CUPS queue" ok none

run_send --owner carol --printer front --name "Quarterly report.pdf" "cups://$CUPS_HOST/front" "$W/report.pdf"
expect "send to a CUPS queue" ok none "held on CUPS queue 'front'"
CUPS_JOB=$(job_id)
sleep 1

{
peers_ipp_request Get-Jobs Get-Jobs
cat <<'EOF'
  ATTR keyword which-jobs not-completed
  ATTR keyword requested-attributes job-id,job-state,job-hold-until,job-originating-user-name,job-name
  STATUS successful-ok
}
EOF
} > "$W/get-jobs.test"
ipptool -tv "ipp://$CUPS_HOST/printers/front" "$W/get-jobs.test" > "$W/get-jobs.out" 2>&1
if grep -q "job-id (integer) = $CUPS_JOB\$" "$W/get-jobs.out" &&
   grep -q "job-state (enum) = pending-held" "$W/get-jobs.out" &&
   grep -q "job-hold-until (keyword) = indefinite" "$W/get-jobs.out" &&
   grep -q "job-originating-user-name (nameWithoutLanguage) = carol" "$W/get-jobs.out" &&
   grep -q "job-name (nameWithoutLanguage) = Quarterly report.pdf" "$W/get-jobs.out"; then
  peers_pass "CUPS job $CUPS_JOB is pending-held (job-hold-until indefinite) under carol's name"
else
  peers_fail "CUPS job $CUPS_JOB is not held under carol's name"
  sed 's/^/    /' "$W/get-jobs.out"
fi
if lpstat -h "$CUPS_HOST" -o front | grep -q "^front-$CUPS_JOB  *carol "; then
  peers_pass "lpstat lists front-$CUPS_JOB for carol"
else
  peers_fail "lpstat does not list the job for carol: $(lpstat -h "$CUPS_HOST" -o front)"
fi
spool=$(printf '%s/d%05d-001' "$PEERS_CUPS_SPOOL" "$CUPS_JOB")
if cmp -s "$W/report.pdf" "$spool"; then
  peers_pass "cupsd's spool file $(basename "$spool") equals the input"
else
  peers_fail "cupsd's spool file $spool differs from the input"
fi

run_send --owner carol --printer front "cups://$CUPS_HOST/nosuchqueue" "$W/report.pdf"
expect "a CUPS queue that does not exist" hold printer-refused "has no queue 'nosuchqueue'"

cupsreject -h "$CUPS_HOST" front
run_send --owner carol --printer front "cups://$CUPS_HOST/front" "$W/report.pdf"
expect "a CUPS queue that rejects jobs" hold printer-refused "not accepting jobs"

peers_stop "$PEERS_CUPS_PID"
run_send --owner carol --printer front --timeout 5 "cups://$CUPS_HOST/front" "$W/report.pdf"
expect "a CUPS server that is down" hold printer-unreachable "did not answer"

peers_finish
