#!/usr/bin/env bash
# ipp-durable.sh - a Print-Job is answered only once both of its durability
# points are reached, and they run side by side (docs/spool-format.md,
# "Commit"): the spool file's fsync (with the rename and the shared fsync of
# jobs/) on a spool thread, the store's WAL fsync on the commit thread.  A
# slow disk is played by PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS (before each
# spool file's fsync) and PRINTGATE_TEST_STORE_SYNC_DELAY_MS (before each WAL
# fsync), D = 600 ms each; each case measures the best of three Print-Jobs
# (connect to answer, the password check cached first):
#  1. spool slow, store fast: no answer before the spool file is durable (>= D),
#     while a Get-Printer-Attributes answers at once (< D/2: the delay slows
#     only the commit);
#  2. store slow, spool fast: no answer before the WAL fsync (>= D);
#  3. both slow: >= D and < 1.75 D (overlapped; one after the other is >= 2 D);
#  4. positive control (PRINTGATE_TEST_SPOOL_COMMIT_SERIAL=1: the spool
#     commit first, then the store's): >= 2 D, so case 3 can fail;
#  5. every answered job is held and no spool file is left in incoming/.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"

D=600
gw_make_pdf "$W/doc.pdf" 1 "IPP durable test"
cat > "$W/durable.py" <<'PY'
import sys
port, cred, pdf, op = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[5]
sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[4]); ipc = __import__("ipp-client")   # tests/lib/ipp-client.py
if op == "gpa":
    print("%s %.3f" % ipc.exchange(port, 0x0B, b""))
    sys.exit(0)
ipc.exchange(port, 2, pdf, cred)                       # warm the password cache
best = [ipc.exchange(port, 2, pdf, cred) for _ in range(3)]
print("%s %.3f" % ("200" if all(b[0] == "200" for b in best) else ",".join(b[0] for b in best), min(b[1] for b in best)))
PY
run() { python3 "$W/durable.py" "$GW_PORT" "alice:$APW" "$W/doc.pdf" "$GW_SOURCE_DIR/tests/lib" "${1:-job}"; }
ok()  { echo "$1" | grep -q '^200 '; }
ms()  { echo "$1" | awk '{ printf "%d", $2 * 1000 }'; }
case_run() {   # case_run SPOOL_MS STORE_MS [SERIAL]: restart with these delays, print the result
  gw_stop
  PRINTGATE_TEST_SPOOL_SYNC_DELAY_MS=$1 PRINTGATE_TEST_STORE_SYNC_DELAY_MS=$2 ${3:+PRINTGATE_TEST_SPOOL_COMMIT_SERIAL=1} gw_restart
  run
}

gw_start "ConversionQueue 100" "MaxHeldJobsPerUser 1000"
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)

spool=$(case_run $D 0)
gpa=$(run gpa)
check "1. spool fsync slow: answered successful-ok ($spool)" ok "$spool"
check "1. and not before the spool file is durable: $(ms "$spool") ms >= $D" test "$(ms "$spool")" -ge $D
check "1. Get-Printer-Attributes meanwhile at once: $(ms "$gpa") ms < $((D / 2))" test "$(ms "$gpa")" -lt $((D / 2))

store=$(case_run 0 $D)
check "2. WAL fsync slow: answered successful-ok ($store)" ok "$store"
check "2. and not before the store row is durable: $(ms "$store") ms >= $D" test "$(ms "$store")" -ge $D

both=$(case_run $D $D)
check "3. both slow: answered successful-ok ($both)" ok "$both"
check "3. not before both: $(ms "$both") ms >= $D" test "$(ms "$both")" -ge $D
check "3. side by side: $(ms "$both") ms < $((D * 7 / 4))" test "$(ms "$both")" -lt $((D * 7 / 4))

serial=$(case_run $D $D serial)
check "4. positive control, one after the other: answered ($serial)" ok "$serial"
check "4. positive control: $(ms "$serial") ms >= $((D * 2))" test "$(ms "$serial")" -ge $((D * 2))

peers_wait 120 sh -c "test \$($PRINTGATE -c $GW_CONF job list 2>/dev/null | grep -c ' held ') -ge 16"
check "5. all 16 answered jobs held ($("$PRINTGATE" -c "$GW_CONF" job list 2>/dev/null | grep -c ' held '))" \
      test "$("$PRINTGATE" -c "$GW_CONF" job list 2>/dev/null | grep -c ' held ')" -ge 16
check "5. nothing left in incoming/" sh -c "test -d '$GW_STATE/spool/incoming' && test -z \"\$(ls -A '$GW_STATE/spool/incoming')\""
echo "spool slow: $spool; store slow: $store; both: $both; serial (control): $serial; gpa: $gpa"
gw_stop
gw_finish
