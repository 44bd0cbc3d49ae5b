# ipp-test.sh - the start every IPP and DNS-SD integration test shares
# (sourced after `set -u`): the peers and gateway helpers, a private folder W
# (the peers' folder, removed at exit), HOME inside it (ipptool keeps its
# trust-on-first-use credentials in ~/.cups, which must not be the caller's)
# and IPC, the raw IPP client (tests/lib/ipp-client.py).
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
export HOME=$W
IPC="python3 $GW_SOURCE_DIR/tests/lib/ipp-client.py"

# Held work, without timing anything (integration/ipp-auth, ipp-commit): the
# daemon runs with a PRINTGATE_TEST_*_HOLD=$W/release switch, and each held
# piece of work logs a line and waits until $W/release exists.
#   ipp_hold_start PATTERN N OP CRED [DOCUMENT]: clients (tests/lib/ipp-hold.py)
#     start one request each 0.1 s until N more log lines match PATTERN;
#     HOLD_OK is 0 once they do (1 after 60 s)
#   ipp_hold_end: release, wait for every answer; HOLD_OUT is "answered=N/STARTED"
#   ipp_all_answered TEXT: every started request was answered successful-ok
#   ipp_gpa SECONDS: one Get-Printer-Attributes ("200", or what came instead)
#   ipp_listener_threads: the listener's thread count, from its start line
ipp_hold_start() {
  local pattern=$1 want=$(( $(grep -c "$1" "$GW_LOG") + $2 ))
  shift 2
  rm -f "$W/release" "$W/enough" "$W/started"
  python3 "$GW_SOURCE_DIR/tests/lib/ipp-hold.py" start "$GW_PORT" "$W" "$@" > "$W/hold.out" 2>&1 &
  HOLD_PID=$!
  peers_track "$HOLD_PID"
  HOLD_OK=0
  peers_wait 60 sh -c "[ \$(grep -c '$pattern' '$GW_LOG') -ge $want ]" || HOLD_OK=1
  touch "$W/enough"
}
ipp_hold_end() { touch "$W/release"; wait "$HOLD_PID" 2>/dev/null; HOLD_OUT=$(cat "$W/hold.out"); }
ipp_all_answered() { echo "$1" | grep -Eq '^answered=([1-9][0-9]*)/\1$'; }
ipp_gpa() { python3 "$GW_SOURCE_DIR/tests/lib/ipp-hold.py" gpa "$GW_PORT" "$1"; }
ipp_listener_threads() { sed -n 's/.*HTTPS: listening on .* \([0-9][0-9]*\) threads).*/\1/p' "$GW_LOG" | tail -1; }
