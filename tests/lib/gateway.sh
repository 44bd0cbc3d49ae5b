# gateway.sh - sourceable helpers to run printgated in an integration test.
# Source tests/lib/peers.sh first (temp dir, ports, PID clean-up).
#
#   gw_start [CONFIG-LINE...]   write a config (temp state dir, random
#                               loopback port, log file) plus the given
#                               lines, start printgated, wait until ready.
#                               Sets GW_DIR GW_CONF GW_STATE GW_LOG GW_PID GW_PORT.
#                               A start (recovery included) may take up to 60 s
#                               on a loaded machine; one that exits fails at once.
#   gw_restart                  start printgated again on the same config/state.
#   gw_reload                   SIGHUP printgated and wait (up to 30 s) until it
#                               logged this reload ('Configuration reloaded' or
#                               'Reload refused'); 1 on timeout.  Never sleep after
#                               a SIGHUP instead: a loaded machine may take longer.
#   gw_stop [SIGNAL]            stop it by PID (default TERM) and wait.
#   gw_bulk_jobs FROM TO USER [STATES]
#                               write job rows FROM..TO straight into the store
#                               (ids made from the number, no documents), states
#                               in turn from STATES (default "held quarantined failed").
#   gw ARGS...                  run the printgate CLI against it.
#   check NAME CMD...           run CMD; PASS/FAIL line; counts failures.
#   check_eq NAME GOT WANT      compare two strings.
#   gw_finish                   print the summary; exit 1 if anything failed.

: "${GW_BUILD_DIR:?GW_BUILD_DIR must point at the build directory}"
GW_FAILURES=0
GW_CHECKS=0
PRINTGATED="$GW_BUILD_DIR/gateway/printgated"
PRINTGATE="$GW_BUILD_DIR/gateway/printgate"
GW_TOOLS="$GW_BUILD_DIR/tests"

check() {
  local name=$1; shift
  GW_CHECKS=$((GW_CHECKS + 1))
  if "$@" >"$PEERS_DIR/check.out" 2>&1; then
    echo "PASS $name"
  else
    GW_FAILURES=$((GW_FAILURES + 1))
    echo "FAIL $name"
    sed 's/^/    /' "$PEERS_DIR/check.out" | head -20
  fi
}

check_eq() {
  GW_CHECKS=$((GW_CHECKS + 1))
  if [ "$2" = "$3" ]; then
    echo "PASS $1"
  else
    GW_FAILURES=$((GW_FAILURES + 1))
    echo "FAIL $1: got '$2', want '$3'"
  fi
}

gw_finish() {
  echo "$GW_CHECKS checks, $GW_FAILURES failed"
  if [ "$GW_FAILURES" -ne 0 ] && [ -n "${GW_LOG:-}" ] && [ -f "$GW_LOG" ]; then
    echo "---- printgated log (last 40 lines) ----"
    tail -40 "$GW_LOG"
  fi
  # A test that ran a private cupsd: if it died, say how.
  if [ "$GW_FAILURES" -ne 0 ] && declare -F peers_cupsd_post_mortem >/dev/null; then
    peers_cupsd_post_mortem || true
  fi
  [ "$GW_FAILURES" -eq 0 ]
}

gw() {
  "$PRINTGATE" -c "$GW_CONF" "$@"
}

gw_json_field() {   # gw_json_field FIELD < json  (first "FIELD": "value" or number)
  sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" | head -1
}

gw_wait_ready() {
  local end=$((SECONDS + 60))       # recovery work under ASan on a loaded machine takes a while
  while [ "$SECONDS" -lt "$end" ]; do
    if grep -q "printgated ready" "$GW_DIR/stdout" 2>/dev/null && [ -S "$GW_STATE/printgated.sock" ]; then
      GW_PORT=$(sed -n 's|.*https://[^:]*:\([0-9]*\)/health.*|\1|p' "$GW_DIR/stdout" | tail -1)
      return 0
    fi
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      echo "printgated exited during start-up:"; cat "$GW_DIR/stdout"; tail -20 "$GW_LOG" 2>/dev/null
      return 1
    fi
    sleep 0.1
  done
  echo "printgated did not become ready within 60 s"; cat "$GW_DIR/stdout"
  return 1
}

# The reload lines printgated logs: one per SIGHUP, whether taken or refused.
gw_reload_count() {
  grep -c -e 'Configuration reloaded' -e 'Reload refused' "$GW_LOG" 2>/dev/null
}

gw_reloaded_since() {   # gw_reloaded_since COUNT: a reload line was logged after COUNT
  [ "$(gw_reload_count)" -gt "$1" ]
}

gw_reload() {
  local before
  before=$(gw_reload_count); before=${before:-0}
  kill -HUP "$GW_PID" 2>/dev/null || { echo "gw_reload: printgated ($GW_PID) is not running"; return 1; }
  peers_wait 30 gw_reloaded_since "$before" && return 0
  echo "gw_reload: printgated logged no reload within 30 s of the SIGHUP"
  return 1
}

gw_start() {
  GW_DIR="$PEERS_DIR/gw"
  GW_STATE="$GW_DIR/state"
  GW_CONF="$GW_DIR/printgate.conf"
  GW_LOG="$GW_DIR/printgated.log"
  mkdir -p "$GW_DIR"
  # A conversion folder of this test's own, on tmpfs like the default: the
  # default /dev/shm/printgate is shared by every daemon on the machine, and
  # a daemon's recovery empties it at start.
  GW_CONV=$(mktemp -d /dev/shm/pgtest-conv.XXXXXX)
  PEERS_EXTRA_DIRS+=("$GW_CONV")
  local line name defaults=(
    "StateDir $GW_STATE" "ListenAddress 127.0.0.1" "ListenPort 0" "ServerName localhost"
    "LogFile $GW_LOG" "LogLevel debug" "PrinterRetryDelay 200ms" "ConversionDir $GW_CONV")
  : > "$GW_CONF"
  for line in "${defaults[@]}"; do     # a line given by the test replaces the default
    name=${line%% *}
    printf '%s\n' "$@" | grep -qi "^$name " || echo "$line" >> "$GW_CONF"
  done
  for line in "$@"; do echo "$line" >> "$GW_CONF"; done
  gw_restart
}

gw_restart() {
  : > "$GW_DIR/stdout"
  "$PRINTGATED" -c "$GW_CONF" >> "$GW_DIR/stdout" 2>&1 &
  GW_PID=$!
  peers_track "$GW_PID"
  gw_wait_ready
}

gw_stop() {
  local sig=${1:-TERM}
  kill -"$sig" "$GW_PID" 2>/dev/null || true
  wait "$GW_PID" 2>/dev/null
  GW_STATUS=$?
  # Died of a signal it was not sent (a sanitizer's abort is 134): show its
  # standard error now, where the report is (the next start empties it).
  if [ "$GW_STATUS" -ge 128 ] && [ "$GW_STATUS" -ne $((128 + $(kill -l "$sig" 2>/dev/null || echo 0))) ]; then
    echo "---- printgated exited with $GW_STATUS; its standard error (last 80 lines) ----"
    tail -80 "$GW_DIR/stdout" 2>/dev/null
  fi
  return 0
}

# A small PDF with N pages (default 1) and a marker text, made with Ghostscript.
gw_make_pdf() {   # gw_make_pdf OUT [PAGES] [TEXT]
  local out=$1 pages=${2:-1} text=${3:-Printgate test page}
  gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile="$out" \
     -c "1 1 $pages { /Helvetica findfont 24 scalefont setfont 72 700 moveto ($text) show 72 650 moveto (page ) show 3 string cvs show showpage } for" >/dev/null
}

# Many job rows at once (benchmarks, scans): rows only, no documents or files.
gw_bulk_jobs() {   # gw_bulk_jobs FROM TO USER [STATES]
  local states=${4:-held quarantined failed} n cases="" k=0 s
  n=$(echo $states | wc -w)
  for s in $states; do cases="$cases WHEN $k THEN '$s'"; k=$((k + 1)); done
  sqlite3 -cmd ".timeout 10000" "$GW_STATE/printgate.db" "WITH RECURSIVE k(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM k WHERE i < $2)
    INSERT INTO jobs (id, tenant_id, user_id, owner, name, origin, state, created, updated, expires)
    SELECT printf('%08x-0000-4000-8000-%012x', i, i), 1, (SELECT id FROM users WHERE name = '$3'), '$3', 'bulk', 'cli',
           CASE i % $n$cases END, strftime('%s'), strftime('%s'), strftime('%s') + 86400 FROM k;"
}

# Is B the held (normalised) form of A?  The gateway prints the PDF its
# converter made, not the bytes sent: same page count and same text.
gw_same_pdf() {   # gw_same_pdf A B
  head -c 5 "$2" | grep -q '%PDF-' &&
  [ "$(pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}')" = "$(pdfinfo "$2" 2>/dev/null | awk '/^Pages:/ {print $2}')" ] &&
  [ "$(pdftotext -q "$1" - | tr -s ' \n')" = "$(pdftotext -q "$2" - | tr -s ' \n')" ] &&
  [ -n "$(pdftotext -q "$2" - | tr -d ' \n\f')" ]
}

# A valid one-page PDF of about SIZE bytes whose uncompressed content stream
# repeats MARK in PDF comments (so the plaintext is easy to find on disk).
gw_make_marked_pdf() {   # gw_make_marked_pdf OUT SIZE MARK
  local out=$1 size=$2 mark=$3 body="$1.body" o1 o2 o3 o4 xref len
  { printf 'BT /F1 12 Tf 72 720 Td (Printgate crash test) Tj ET\n'
    yes "% $mark secret document content line" | head -c "$size"; printf '\n'; } > "$body"
  len=$(stat -c %s "$body")
  printf '%%PDF-1.4\n' > "$out"
  o1=$(stat -c %s "$out"); printf '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' >> "$out"
  o2=$(stat -c %s "$out"); printf '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n' >> "$out"
  o3=$(stat -c %s "$out"); printf '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n' >> "$out"
  o4=$(stat -c %s "$out"); printf '4 0 obj\n<< /Length %d >>\nstream\n' "$len" >> "$out"
  cat "$body" >> "$out"; rm -f "$body"
  printf '\nendstream\nendobj\n' >> "$out"
  xref=$(stat -c %s "$out")
  printf 'xref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' \
    "$o1" "$o2" "$o3" "$o4" "$xref" >> "$out"
}
