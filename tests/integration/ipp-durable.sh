#!/usr/bin/env bash
# ipp-durable.sh - a Print-Job is answered only once its durability points
# are reached, and they run side by side (docs/spool-format.md, "Commit"):
# the spool file's fsync on a spool commit thread, the shared fsync of jobs/
# after its rename on the spool's jobs/ thread, the store's WAL fsync on the
# IPP commit thread.  A slow disk is played by
# PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS (before each spool file's fsync and
# each fsync of jobs/) and PRINTGATE_TEST_STORE_SYNC_DELAY_MS (before each WAL
# fsync), D = 1500 ms each (what a loaded machine adds, tenths of a second,
# stays well inside case 3's margin of 0.75 D); each case measures the best
# of three Print-Jobs (connect to answer, the password check cached first,
# each job held before the next is sent, and 2 D more for the WAL fsync of
# its original's drop, so no conversion's fsync runs beside the next commit):
#  1. spool slow, store fast: no answer before the spool file is durable (>= D),
#     while a Get-Printer-Attributes answers at once (best of three < D: one
#     that waited for a delay would take >= D; the delays slow only commits);
#  2. store slow, spool fast: no answer before the WAL fsync (>= D);
#  3. both slow: >= D and < 1.75 D (overlapped; one after the other is >= 3 D);
#  4. positive control (PRINTGATE_TEST_SPOOL_COMMIT_SERIAL=1: the spool
#     commit in order, file then jobs/, then the store's): >= 2 D (3 D
#     measured), so case 3 can fail;
#  5. all 16 jobs answered and held, no spool file left in incoming/.
# Cases 1-5 run with IntakeRing 0 (every original a spool file).  With the
# intake ring on (docs/spool-format.md, "The intake ring"), a small
# document's original has no file and no fsync of its own: the WAL fsync
# that records the job flushes it too:
#  6. spool slow, store fast: answered before D (no spool fsync waited for;
#     case 1 is its positive control), and the ring took the documents;
#  7. store slow, spool fast: still not before the WAL fsync (>= D).
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"

D=1500
gw_make_pdf "$W/doc.pdf" 1 "IPP durable test"
cat > "$W/durable.py" <<'PY'
import sys
port, cred, pdf, op = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[5]
sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[4]); ipc = __import__("ipp-client")   # tests/lib/ipp-client.py
print("%s %.3f" % (ipc.exchange(port, 0x0B, b"") if op == "gpa" else ipc.exchange(port, 2, pdf, cred)))
PY
held() { "$PRINTGATE" -c "$GW_CONF" job list 2>/dev/null | grep -c " held "; }
one()  { python3 "$W/durable.py" "$GW_PORT" "alice:$APW" "$W/doc.pdf" "$GW_SOURCE_DIR/tests/lib" "${1:-job}"; }
ok()   { echo "$1" | grep -q '^200 '; }
ms()   { echo "$1" | awk '{ printf "%d", $2 * 1000 }'; }
JOBS=0
job()  {   # job: one Print-Job (JOB = its result), then wait until it is held and its original dropped
           # (a WAL fsync after the hold), so no conversion's fsync runs beside the next job's commit
  JOB=$(one)
  ok "$JOB" && JOBS=$((JOBS + 1))
  peers_wait 60 sh -c "test \$($PRINTGATE -c $GW_CONF job list 2>/dev/null | grep -c ' held ') -ge $JOBS" >/dev/null 2>&1
  sleep $((D * 2 / 1000)).$((D * 2 % 1000 / 100))
}
case_run() {   # case_run SPOOL_MS STORE_MS [serial]: restart with these delays; RESULT = the best of three jobs
  local best="" r i
  gw_stop
  export PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS=$1 PRINTGATE_TEST_STORE_SYNC_DELAY_MS=$2
  if [ -n "${3:-}" ]; then export PRINTGATE_TEST_SPOOL_COMMIT_SERIAL=1; else unset PRINTGATE_TEST_SPOOL_COMMIT_SERIAL; fi
  gw_restart
  job                                   # the password check cached
  for i in 1 2 3; do
    job
    r=$JOB
    ok "$r" || { RESULT="$r"; return; }
    if [ -z "$best" ] || [ "$(ms "$r")" -lt "$(ms "$best")" ]; then best=$r; fi
  done
  RESULT=$best
}

gw_start "ConversionQueue 100" "MaxHeldJobsPerUser 1000" "IntakeRing 0"
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)

case_run $D 0; spool=$RESULT
gpa=""
for i in 1 2 3; do                      # the best of three, as for the jobs
  r=$(one gpa)
  if [ -z "$gpa" ] || ! ok "$gpa" || { ok "$r" && [ "$(ms "$r")" -lt "$(ms "$gpa")" ]; }; then gpa=$r; fi
done
check "1. spool fsync slow: answered successful-ok ($spool)" ok "$spool"
check "1. and not before the spool file is durable: $(ms "$spool") ms >= $D" test "$(ms "$spool")" -ge $D
check "1. Get-Printer-Attributes at once ($gpa): the delay slows only commits" sh -c "echo '$gpa' | grep -q '^200 ' && test $(ms "$gpa") -lt $D"

case_run 0 $D; store=$RESULT
check "2. WAL fsync slow: answered successful-ok ($store)" ok "$store"
check "2. and not before the store row is durable: $(ms "$store") ms >= $D" test "$(ms "$store")" -ge $D

case_run $D $D; both=$RESULT
check "3. both slow: answered successful-ok ($both)" ok "$both"
check "3. not before both: $(ms "$both") ms >= $D" test "$(ms "$both")" -ge $D
check "3. side by side: $(ms "$both") ms < $((D * 7 / 4))" test "$(ms "$both")" -lt $((D * 7 / 4))

case_run $D $D serial; serial=$RESULT
check "4. positive control, one after the other: answered ($serial)" ok "$serial"
check "4. positive control: $(ms "$serial") ms >= $((D * 2))" test "$(ms "$serial")" -ge $((D * 2))

check "5. all $JOBS answered jobs held ($(held))" test "$(held)" -ge "$JOBS"
check "5. 16 jobs answered ($JOBS)" test "$JOBS" -eq 16
left=$(ls -A "$GW_STATE/spool/incoming" 2>&1)
check "5. nothing left in incoming/ ($left)" test -z "$left"

sed -i 's/^IntakeRing .*/IntakeRing 64M/' "$GW_CONF"
case_run $D 0; ring_spool=$RESULT
check "6. intake ring, spool fsync slow: answered successful-ok ($ring_spool)" ok "$ring_spool"
check "6. ... without waiting for a spool fsync: $(ms "$ring_spool") ms < $D" test "$(ms "$ring_spool")" -lt $D
case_run 0 $D; ring_store=$RESULT
check "7. intake ring, WAL fsync slow: answered successful-ok ($ring_store)" ok "$ring_store"
check "7. ... and not before the WAL fsync that makes it durable: $(ms "$ring_store") ms >= $D" test "$(ms "$ring_store")" -ge $D
gw_stop
took=$(grep -c "the intake ring took [1-9]" "$GW_LOG")
check "6-7. the intake ring took the documents (logged at each stop: $took)" test "$took" -ge 2
echo "best of three, connect to answer: spool slow: $spool; store slow: $store; both: $both; serial (control): $serial; gpa: $gpa; ring, spool slow: $ring_spool; ring, store slow: $ring_store"
gw_finish
