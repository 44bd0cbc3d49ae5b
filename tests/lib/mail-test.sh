# mail-test.sh - the common start of the mail integration tests
# (tests/integration/mail*.sh), sourced after "set -u": the peers' and the
# gateway's helpers (peers.sh, gateway.sh), those of the fake Microsoft
# servers (fake-ms.sh), the test's private folder $W (peers_init: removed,
# with every peer it started, when the test ends), and mail_kill_rounds.
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/fake-ms.sh"
peers_init
W=$PEERS_DIR

# mail_kill_rounds N: N times start the gateway, let it work 0.1 to 0.9 s,
# and kill -9 it; then start it for good.
mail_kill_rounds() {
  local k
  for ((k = 1; k <= $1; k ++)); do
    gw_restart
    sleep "0.$((RANDOM % 9 + 1))"
    gw_stop KILL
  done
  gw_restart
}
