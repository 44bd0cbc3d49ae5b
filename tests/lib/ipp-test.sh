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
