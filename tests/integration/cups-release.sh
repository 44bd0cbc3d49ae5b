#!/usr/bin/env bash
# cups-release.sh - the CUPS sink through printgated: a job released to a
# cups:// printer lands in a private cupsd's queue pending-held
# (job-hold-until=indefinite) under its owner's name, with the same bytes;
# a missing queue keeps the job held with a reason.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_cupsd
PEERS_CUPS_QUEUE=campusq
peers_cups_add_queue "$PEERS_CUPS_QUEUE" held
W=$PEERS_DIR
gw_start
gw_make_pdf "$W/doc.pdf" 2 "CUPS sink test"

gw user add erin >/dev/null
check "printer add cups://" gw printer add campus "cups://127.0.0.1:$PEERS_CUPS_PORT/$PEERS_CUPS_QUEUE"
check "printer add missing queue" gw printer add nowhere "cups://127.0.0.1:$PEERS_CUPS_PORT/no-such-queue"
check "unsupported URI refused" sh -c "! $PRINTGATE -c $GW_CONF printer add bad file:///dev/null"
J=$(gw job submit --user erin "$W/doc.pdf")
check "release to the CUPS queue" gw release --user erin --printer campus

(cd /usr/share/cups/ipptool && ipptool -t "ipp://127.0.0.1:$PEERS_CUPS_PORT/printers/$PEERS_CUPS_QUEUE" "$GW_SOURCE_DIR/tests/data/ipp/get-held-jobs.test") > "$W/jobs.txt" 2>&1
cat "$W/jobs.txt" | sed 's/^/    /'
check "cupsd has the job pending-held" grep -Eq 'pending-held|job-state.*= *4' "$W/jobs.txt"
check "under its owner's name" grep -q 'erin' "$W/jobs.txt"
check "held indefinitely" grep -q 'indefinite' "$W/jobs.txt"
DOC=$(ls "$PEERS_CUPS_SPOOL"/d*-001 2>/dev/null | tail -1)
check "cupsd spooled a document" test -n "$DOC"
check "with the held PDF of the document" gw_same_pdf "$W/doc.pdf" "$DOC"

J2=$(gw job submit --user erin "$W/doc.pdf")
out=$(gw release --user erin --printer nowhere 2>&1); rc=$?
check "missing queue: release fails" test $rc -ne 0
check "missing queue: job held again with a reason" sh -c "$PRINTGATE -c $GW_CONF --json job show $J2 | grep -q '\"state\": \"held\"' && $PRINTGATE -c $GW_CONF --json job show $J2 | grep -Eq '\"reason\": \"printer-(refused|unreachable)\"'"
gw_stop TERM
gw_finish
