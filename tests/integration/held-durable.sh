#!/usr/bin/env bash
# held-durable.sh - a job reported held survives a crash (issue 11: the
# conversion side's fsyncs were cut from five to three per job).
#
#  1. The order, from strace of the daemon while one job converts: the
#     converted document's fsync, its rename into jobs/, the fsync of jobs/
#     and a WAL fsync after the hold's commit all end before the answer that
#     says held is written to the CLI's socket; the held PDF's store row,
#     written before the hold, waits for no fsync of its own (one WAL fsync
#     for the conversion side, not three).
#  2. kill -9 of printgated the moment the first of eight parallel
#     submissions is reported held, then restart: every job reported held is
#     still held, with its page count, its converted file in jobs/ and its
#     key, and neither its original's file nor its original's key row is
#     left; every other job is held again after recovery (converted again),
#     none is lost.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

gw_start "ConversionWorkers 2" "CountColorPages no"
gw user add dave >/dev/null
gw_make_pdf "$W/three.pdf" 3 "held durable"
DB="$GW_STATE/printgate.db"

# 1. The order of the durability points before "held" is answered.
if command -v strace >/dev/null; then
  strace -f -y -s 400 -qq -e trace=fsync,fdatasync,rename,renameat,renameat2,write,sendmsg,sendto -o "$W/trace" -p "$GW_PID" 2>/dev/null &
  ST=$!
  peers_track "$ST"
  sleep 1
  J=$(gw job submit --user dave "$W/three.pdf")
  sleep 0.3
  kill -INT "$ST" 2>/dev/null; wait "$ST" 2>/dev/null
  check "strace saw the job ($J)" grep -q "$J" "$W/trace"
  # Line numbers of each event (a call split by another thread counts where it ends).
  awk -v j="$J" '
    /resumed>/ { split($0, a, " "); if (a[1] in pend) { ev[pend[a[1]]] = NR; delete pend[a[1]] } ; next }
    { kind = "" }
    /rename/ && index($0, j "-1.pgs") && /jobs/         { kind = "rename" }
    /fsync\(/ && index($0, "incoming/" j "-1.pgs")       { kind = "docsync" }
    /fsync\(/ && /\/spool\/jobs>/ && ("rename" in ev)   { kind = "dirsync" }
    /f(data)?sync\(/ && /-wal>/ && ("dirsync" in ev)    { kind = "walsync" }
    /(write|sendmsg|sendto)\(/ && /socket:|UNIX/ && index($0, j) && /held/ { kind = "answer" }
    kind != "" && !(kind in ev) {
      if (/unfinished/) { split($0, a, " "); pend[a[1]] = kind; ev[kind] = -1 } else ev[kind] = NR
    }
    END { printf "docsync=%d rename=%d dirsync=%d walsync=%d answer=%d\n", ("docsync" in ev) ? ev["docsync"] : 0, ("rename" in ev) ? ev["rename"] : 0,
          ("dirsync" in ev) ? ev["dirsync"] : 0, ("walsync" in ev) ? ev["walsync"] : 0, ("answer" in ev) ? ev["answer"] : 0 }
  ' "$W/trace" > "$W/order"
  read -r ORDER < "$W/order"
  eval "$(tr ' ' '\n' < "$W/order" | sed 's/^/O_/')"
  check "document 1 fsync'd, renamed, jobs/ fsync'd, WAL fsync'd, then held answered ($ORDER)" \
    test "$O_docsync" -gt 0 -a "$O_rename" -gt "$O_docsync" -a "$O_dirsync" -gt "$O_rename" -a "$O_walsync" -gt "$O_dirsync" -a "$O_answer" -gt "$O_walsync"
  WALS=$(awk -v from="$O_docsync" -v to="$O_answer" 'NR > from && NR < to && /f(data)?sync\(/ && /-wal>/' "$W/trace" | wc -l)
  check "one WAL fsync between the converted document's fsync and the answer (got $WALS)" test "$WALS" = 1
else
  echo "SKIP part 1: strace is not installed"
fi

# 2. kill -9 the moment the first job is reported held.
for i in $(seq 8); do
  ( J=$(gw job submit --user dave "$W/three.pdf") && echo "$J" > "$W/held.$i" ) &
done
for i in $(seq 600); do
  [ -n "$(ls "$W"/held.* 2>/dev/null)" ] && break
  sleep 0.01
done
kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null
wait 2>/dev/null
REPORTED=$(cat "$W"/held.* 2>/dev/null)
check "at least one job was reported held before the kill" test -n "$REPORTED"
ALL=$(sqlite3 "$DB" "SELECT id FROM jobs WHERE owner = 'dave' AND name = 'three.pdf'" | sort)
gw_restart
for J in $REPORTED; do
  check "reported held before the kill, still held after it: $J" sh -c "$PRINTGATE -c $GW_CONF --json job show $J | grep -q '\"state\": \"held\"'"
  check "... with its 3 pages" test "$(sqlite3 "$DB" "SELECT pages FROM documents WHERE job_id = '$J' AND num = 1 AND wrapped_key IS NOT NULL")" = 3
  check "... its converted file in jobs/" test -s "$GW_STATE/spool/jobs/$J-1.pgs"
  check "... no original file" test ! -e "$GW_STATE/spool/jobs/$J-0.pgs"
  check "... no original key row" test "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE job_id = '$J' AND num = 0")" = 0
done
N=$(echo "$ALL" | grep -c .)
check "every job the store had at the kill ($N, beside the one before) ends held" peers_wait 60 sh -c \
  "test \"\$(sqlite3 '$DB' \"SELECT count(*) FROM jobs WHERE owner = 'dave' AND name = 'three.pdf' AND state = 'held'\")\" = '$N'"
check "no original is left in the spool" sh -c "test -z \"\$(find '$GW_STATE/spool' -name '*-0.pgs')\""
check "no original key row is left" test "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE num = 0")" = 0

gw_stop TERM
gw_finish
