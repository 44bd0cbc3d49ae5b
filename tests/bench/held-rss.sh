#!/usr/bin/env bash
# held-rss.sh - printgated's resident memory against the number of held
# jobs: 0, 1,000, 5,000 and 10,000 (issue 11: "RSS must stay flat"; cupsd
# grows ~3 KB per held job), in KB per held job.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/held-rss.sh [LEVELS...]
#
# 1. Live: one printgated takes NORMAL (default 1,000) one-page PDFs through
#    the normal path (control socket, spool, conversion by the helper, store;
#    two submitters, each waiting for its job to be held), RSS before and
#    after, and after listing them all.
# 2. Levels: the store is then filled to each level (default 0 1000 5000
#    10000) with copies of those held jobs (rows written with sqlite3 while
#    the daemon is stopped, spool files hard-linked: only a release would
#    read them), printgated restarted on it, and the same work done at every
#    level: 20 more jobs through the normal path, every job listed
#    (`job list`), `status`; then its RSS (VmRSS, and VmHWM).  KB per held
#    job = (RSS at the level - RSS at 0) / level.
# Target: < 0.2 KB per held job, or a bound that does not grow with the jobs.
set -u
LEVELS=${*:-0 1000 5000 10000}
NORMAL=${NORMAL:-1000}
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
SUBMIT="$GW_TOOLS/gw-submit"
WORKERS=$(nproc)
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }
held() { gw --json status | gw_json_field held_jobs; }
submit() {   # submit N: N jobs, two submitters, each waits for held
  local pid
  "$SUBMIT" --count $(( $1 / 2 )) "$GW_STATE/printgated.sock" bench "$W/one.pdf" >/dev/null &
  pid=$!
  "$SUBMIT" --count $(( $1 - $1 / 2 )) "$GW_STATE/printgated.sock" bench "$W/one.pdf" >/dev/null
  wait "$pid"     # not a bare wait: printgated is a child too
}

gw_make_pdf "$W/one.pdf" 1 "RSS benchmark"
gw_start "LogLevel warn" "MaxHeldJobsPerUser 100000" "ConversionQueue 10000" "CountColorPages no" "ConversionWorkers $WORKERS"
gw user add bench >/dev/null
sleep 1
echo "== 1. Live: $NORMAL held jobs through the normal path (load $(cut -d' ' -f1 /proc/loadavg)) =="
r0=$(rss_kb "$GW_PID")
t0=$(ms)
submit "$NORMAL"
t1=$(ms)
sleep 1
r1=$(rss_kb "$GW_PID")
gw job list >/dev/null
r2=$(rss_kb "$GW_PID")
echo "idle $r0 kB; with $(held) held jobs $r1 kB ($(( (r1 - r0) * 1000 / NORMAL )) bytes per job), after listing them all $r2 kB; VmHWM $(hwm_kb "$GW_PID") kB; took $(( (t1 - t0) / 1000 )) s"
gw_stop TERM

# The template: the store and spool as they are now, with NORMAL held jobs.
cp -a "$GW_STATE" "$W/base"

fill() {   # fill N: the state as the template, with exactly N held jobs of user bench
  rm -rf "$GW_STATE"; cp -a "$W/base" "$GW_STATE"
  python3 - "$GW_STATE" "$1" <<'EOF'
import os, sqlite3, sys, uuid
state, want = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(os.path.join(state, "printgate.db"))
spool = os.path.join(state, "spool", "jobs")
ids = [r[0] for r in db.execute("SELECT id FROM jobs WHERE state = 'held' ORDER BY number")]
for gone in ids[want:]:                       # fewer: delete (documents cascade)
    db.execute("DELETE FROM jobs WHERE id = ?", (gone,))
    try: os.unlink(os.path.join(spool, gone + "-1.pgs"))
    except FileNotFoundError: pass
if want > len(ids):                           # more: copies of the first held job
    tpl = ids[0]
    jcols = [r[1] for r in db.execute("PRAGMA table_info(jobs)") if r[1] != "seq"]   # seq: SQLite numbers it
    dcols = [r[1] for r in db.execute("PRAGMA table_info(documents)")]
    jrow = dict(zip(jcols, db.execute("SELECT %s FROM jobs WHERE id = ?" % ",".join(jcols), (tpl,)).fetchone()))
    drow = dict(zip(dcols, db.execute("SELECT * FROM documents WHERE job_id = ? AND num = 1", (tpl,)).fetchone()))
    number = db.execute("SELECT max(number) FROM jobs").fetchone()[0]
    for i in range(want - len(ids)):
        new = str(uuid.uuid4()); number += 1
        jrow.update(id=new, number=number); drow.update(job_id=new)
        db.execute("INSERT INTO jobs (%s) VALUES (%s)" % (",".join(jcols), ",".join("?" * len(jcols))), [jrow[c] for c in jcols])
        db.execute("INSERT INTO documents (%s) VALUES (%s)" % (",".join(dcols), ",".join("?" * len(dcols))), [drow[c] for c in dcols])
        os.link(os.path.join(spool, tpl + "-1.pgs"), os.path.join(spool, new + "-1.pgs"))
    db.execute("UPDATE counters SET value = ? WHERE name = 'job_number'", (number + 1,))
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
EOF
}

echo "== 2. Levels: printgated restarted on a store with N held jobs, then 20 jobs submitted, all listed, status =="
declare -A R
for n in $LEVELS; do
  fill "$n" || { echo "could not fill the store with $n held jobs"; exit 1; }
  gw_restart || exit 1
  sleep 1
  start=$(rss_kb "$GW_PID")
  submit 20
  gw job list > "$W/list"
  gw --json status > /dev/null
  sleep 1
  R[$n]=$(rss_kb "$GW_PID")
  printf 'held %6d (%6d listed): RSS at start %6d kB, after the work %6d kB, VmHWM %6d kB (load %s)\n' \
    "$(held)" "$(grep -c . "$W/list")" "$start" "${R[$n]}" "$(hwm_kb "$GW_PID")" "$(cut -d' ' -f1 /proc/loadavg)"
  gw_stop TERM
done
if [ -n "${R[0]:-}" ]; then
  for n in $LEVELS; do
    [ "$n" = 0 ] && continue
    awk -v n="$n" -v a="${R[0]}" -v b="${R[$n]}" 'BEGIN { printf "%6d held jobs: %+d kB over 0 held = %.3f KB per held job (target < 0.2)\n", n, b - a, (b - a) / n }'
  done
fi
