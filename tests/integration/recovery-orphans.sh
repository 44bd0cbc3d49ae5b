#!/usr/bin/env bash
# recovery-orphans.sh - the start's orphan scan (gateway/recovery.c) removes
# exactly the spool files no job can read, in every tenant:
#  1. a converted file whose job row is gone (planted under a new id) and one
#     whose job's key was shredded are removed, each logged;
#  2. the files of held jobs that keep their keys stay, and the jobs stay held;
#  3. with 5,000 jobs more in the store (rows only), the scan still finds the
#     same orphans: the keyed jobs are read in one walk of the documents table
#     (the job-by-job look-up it replaced took a minute at 100,000 jobs;
#     tests/bench/start-bench.sh measures the start itself).
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

gw_start "CountColorPages no"
gw user add erin >/dev/null
DB="$GW_STATE/printgate.db"
JOBS="$GW_STATE/spool/jobs"
gw_make_pdf "$W/one.pdf" 1 "orphan scan"

A=$(gw job submit --user erin "$W/one.pdf")
B=$(gw job submit --user erin "$W/one.pdf")
C=$(gw job submit --user erin "$W/one.pdf")
for j in "$A" "$B" "$C"; do
  check "job $j held, its file in jobs/" test -f "$JOBS/$j-1.pgs"
done

plant() {   # plant: stop, plant the orphans, start again
  gw_stop
  GHOST=$(python3 -c 'import uuid; print(uuid.uuid4())')
  cp "$JOBS/$A-1.pgs" "$JOBS/$GHOST-1.pgs"                   # no job row
  sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE documents SET wrapped_key = NULL WHERE job_id = '$B' AND num = 1"   # shredded
  gw_restart
}

scan_checks() {   # scan_checks WHAT
  check "$1: the file of a job that does not exist is removed" test ! -e "$JOBS/$GHOST-1.pgs"
  check "$1:   and logged" grep -q "Recovery: removing spool file of job $GHOST (no job or key)" "$GW_LOG"
  check "$1: the file of a job whose key is shredded is removed" test ! -e "$JOBS/$B-1.pgs"
  check "$1:   and logged" grep -q "Recovery: removing spool file of job $B (no job or key)" "$GW_LOG"
  check "$1: the held jobs' files stay" sh -c "test -f '$JOBS/$A-1.pgs' && test -f '$JOBS/$C-1.pgs'"
  check_eq "$1: nothing else was removed" "$(grep -c 'Recovery: removing' "$GW_LOG")" "$2"
}

# 1. and 2.
plant
scan_checks "3 jobs" 2
for j in "$A" "$C"; do
  check "job $j is still held" sh -c "'$PRINTGATE' -c '$GW_CONF' --json job show '$j' | grep -q '\"state\": \"held\"'"
done

# 3. The same with 5,000 more jobs (rows only; half of them with a document
#    row holding a key but no file: no orphans, there is no file, but the
#    list of keyed jobs the scan searches is 2,500 ids longer).
gw_bulk_jobs 1 5000 erin "held printed"
sqlite3 -cmd ".timeout 10000" "$DB" "INSERT INTO documents (job_id, num, format, wrapped_key)
  SELECT id, 1, 'application/pdf', randomblob(64) FROM jobs WHERE name = 'bulk' AND state = 'held'"
check_eq "2,500 of them with a key (and no file)" "$(sqlite3 "$DB" "SELECT count(*) FROM documents d JOIN jobs j ON j.id = d.job_id WHERE j.name = 'bulk'")" 2500
B=$C                          # the next shredded one
cp "$GW_LOG" "$GW_LOG.before"
plant
NEW=$(($(grep -c 'Recovery: removing' "$GW_LOG") - $(grep -c 'Recovery: removing' "$GW_LOG.before")))
check_eq "5,000 jobs more: exactly the two new orphans removed" "$NEW" 2
check "5,000 jobs more: the ghost's file is removed" test ! -e "$JOBS/$GHOST-1.pgs"
check "5,000 jobs more: the shredded job's file is removed" test ! -e "$JOBS/$C-1.pgs"
check "5,000 jobs more: the keyed held job's file stays" test -f "$JOBS/$A-1.pgs"

gw_stop
gw_finish
