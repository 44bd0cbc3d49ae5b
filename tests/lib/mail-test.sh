# mail-test.sh - the common start of the mail integration tests
# (tests/integration/mail*.sh), sourced after "set -u": the peers' and the
# gateway's helpers (peers.sh, gateway.sh), those of the fake Microsoft
# servers (fake-ms.sh), and the test's private folder, $W (peers_init:
# removed, with every peer it started, when the test ends).
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/fake-ms.sh"
peers_init
W=$PEERS_DIR
