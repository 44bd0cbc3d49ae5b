#!/usr/bin/env bash
# ipp-commit.sh - a document's durable commit runs off the listener threads
# (ipp-everywhere/server-commit.c), on a slow disk played by
# PRINTGATE_TEST_STORE_SYNC_DELAY_MS=400 (every WAL fsync 400 ms longer):
#  1. 32 Print-Jobs at once (one connection each, Basic, the password check
#     cached by one job first) while five Get-Printer-Attributes are sent
#     one after the other: the five take < 1.5 s in all, every Print-Job is
#     answered successful-ok only once its job is durable (each took at
#     least the 400 ms fsync) and all 33 jobs are held;
#  2. positive control: with the commits on the listener threads
#     (PRINTGATE_TEST_IPP_COMMIT_INLINE=1) the same five take >= 1.5 s;
#  3. a stop while commits are queued exits 0, and after the restart no job
#     is left receiving.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"

gw_make_pdf "$W/doc.pdf" 1 "IPP commit test"
cat > "$W/commit.py" <<'EOF'
import sys, threading, time
port, cred, pdf, n = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), int(sys.argv[4])
sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[5]); ipc = __import__("ipp-client")   # tests/lib/ipp-client.py
def request(op, doc):
    """Connect (TLS), send (Basic with a document), wait for the answer: (status, seconds)."""
    return ipc.exchange(port, op, doc, cred if doc else None)
if n == 1:
    print(request(2, pdf)[0])
    sys.exit(0)
jobs = []
def job():
    try:
        jobs.append(request(2, pdf))
    except OSError:
        jobs.append(("lost", 0))
threads = [threading.Thread(target=job) for _ in range(n)]
for t in threads: t.start()
time.sleep(0.3)                       # the documents are in, their commits waiting on the disk
gpas = [request(0x0B, b"") for _ in range(5)]
for t in threads: t.join()
print("gpa=%s %.3f jobs=%d/%d min_job=%.3f" % (",".join(g[0] for g in gpas), sum(g[1] for g in gpas),
      sum(1 for j in jobs if j[0] == "200"), n, min(j[1] for j in jobs)))
EOF
held() { "$PRINTGATE" -c "$GW_CONF" job list 2>/dev/null | grep -c " held "; }
burst() {   # burst: warm the password cache with one job, then the measured burst
  local one
  one=$(python3 "$W/commit.py" "$GW_PORT" "alice:$APW" "$W/doc.pdf" 1 "$GW_SOURCE_DIR/tests/lib")
  [ "$one" = 200 ] || echo "warm-up job: $one" >&2
  python3 "$W/commit.py" "$GW_PORT" "alice:$APW" "$W/doc.pdf" 32 "$GW_SOURCE_DIR/tests/lib"
}
secs() { echo "$1" | sed -n 's/^gpa=200,200,200,200,200 \([0-9.]*\).*/\1/p'; }

export PRINTGATE_TEST_STORE_SYNC_DELAY_MS=400
gw_start "ConversionQueue 100" "MaxHeldJobsPerUser 1000"
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)

# ---- 1. Commit threads ------------------------------------------------------------
fast=$(burst)
peers_wait 120 sh -c "test \$($PRINTGATE -c $GW_CONF job list 2>/dev/null | grep -c ' held ') -ge 33"
check "32 Print-Jobs answered successful-ok ($fast)" sh -c "echo '$fast' | grep -q 'jobs=32/32'"
check "each answered after the 400 ms WAL fsync at least ($fast)" awk -v t="$(echo "$fast" | sed -n 's/.*min_job=\([0-9.]*\).*/\1/p')" 'BEGIN { exit !(t != "" && t >= 0.4) }'
check "all 33 jobs held ($(held))" test "$(held)" -ge 33
check "five Get-Printer-Attributes during the commits in < 1.5 s in all ($fast)" awk -v t="$(secs "$fast")" 'BEGIN { exit !(t != "" && t < 1.5) }'

# ---- 3. A stop while commits are queued ---------------------------------------------
python3 "$W/commit.py" "$GW_PORT" "alice:$APW" "$W/doc.pdf" 32 "$GW_SOURCE_DIR/tests/lib" > "$W/stopped.out" 2>&1 &
BURST=$!
peers_track "$BURST"
sleep 0.5
t0=$(date +%s)
gw_stop
check "stopped while commits were queued: exit status 0 ($GW_STATUS)" test "$GW_STATUS" -eq 0
check "and within 30 s" test $(( $(date +%s) - t0 )) -le 30
wait "$BURST" 2>/dev/null
gw_restart
check "after the restart no job is left receiving" test "$("$PRINTGATE" -c "$GW_CONF" job list 2>/dev/null | grep -c ' receiving ')" = 0
gw_stop

# ---- 2. Positive control: commits on the listener threads ---------------------------
PRINTGATE_TEST_IPP_COMMIT_INLINE=1 gw_restart
slow=$(burst)
gw_stop
echo "commit threads: $fast; inline commits (control): $slow"
check "positive control: with inline commits the five take >= 1.5 s ($slow)" awk -v t="$(secs "$slow")" 'BEGIN { exit !(t != "" && t >= 1.5) }'

gw_finish
