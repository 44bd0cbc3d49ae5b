#!/usr/bin/env bash
# held-durable.sh - a job reported held survives a crash (issue 11: the
# conversion side's fsyncs were cut from five to three per job).
#
#  1. The order, from strace of the daemon's threads and of the CLI while
#     one job converts: the converted document's fsync, its rename into
#     jobs/, the fsync of jobs/ and a WAL fsync after the hold's commit all
#     return before the CLI reads the answer that says held; the held PDF's store row,
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

# 1. The order of the durability points before "held" is answered.  The
#    daemon's threads are traced by id, without -f (its forked reapers and
#    helpers stay untraced: a sanitizer build's leak check cannot run under
#    ptrace), the CLI's read of the answer in a trace of its own; events
#    are compared by the time each call returned (-ttt -T).
if command -v strace >/dev/null; then
  TIDS=()
  for t in /proc/"$GW_PID"/task/*; do TIDS+=(-p "${t##*/}"); done
  strace -ttt -T -y -qq -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$W/trace" "${TIDS[@]}" 2>/dev/null &
  ST=$!
  peers_track "$ST"
  sleep 1
  J=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -ttt -T -s 400 -qq -e trace=read,recvfrom,recvmsg -o "$W/cli.trace" \
        "$PRINTGATE" -c "$GW_CONF" job submit --user dave "$W/three.pdf")
  sleep 0.3
  kill -INT "$ST" 2>/dev/null; wait "$ST" 2>/dev/null
  check "the job was held under strace ($J)" sh -c "test -n '$J' && $PRINTGATE -c $GW_CONF --json job show '$J' | grep -q '\"state\": \"held\"'"
  # When each event's call returned: a whole line's time plus its <duration>,
  # a "resumed" line's own time (printed when it returned).
  ends() {   # ends FILE: "KIND TIME" lines
    awk -v j="${J:-none}" '
      { ts = ""; for (i = 1; i <= NF; i ++) if ($i ~ /^[0-9]+\.[0-9]+$/) { ts = $i; pid = (i > 1) ? $1 : "-"; break }
        if (ts == "") next
        dur = 0; if (match($0, /<[0-9.]+>$/)) dur = substr($0, RSTART + 1, RLENGTH - 2) }
      /resumed>/ { if (pid in pend) { print pend[pid], ts; delete pend[pid] }; next }
      { kind = "" }
      /fsync\(/ && index($0, "incoming/" j "-1.pgs")            { kind = "docsync" }
      /rename/ && index($0, j "-1.pgs")                           { kind = "rename" }
      /fsync\(/ && /\/spool\/jobs>/                              { kind = "dirsync" }
      /f(data)?sync\(/ && /-wal>/                                 { kind = "walsync" }
      /(read|recvfrom|recvmsg)\(/ && index($0, j) && /held/       { kind = "answer" }
      kind == "" { next }
      /unfinished/ { pend[pid] = kind; next }
      { printf "%s %.6f\n", kind, ts + dur }' "$1"
  }
  { ends "$W/trace"; ends "$W/cli.trace"; } > "$W/ends"
  first_after() {   # first_after KIND TIME: the first KIND that returned after TIME
    awk -v k="$1" -v t="$2" '$1 == k && $2 > t { print $2; exit }' "$W/ends"
  }
  D=$(awk '$1 == "docsync" { print $2; exit }' "$W/ends")
  R=$(first_after rename "${D:-0}"); S=$(first_after dirsync "${R:-0}"); L=$(first_after walsync "${S:-0}")
  A=$(awk '$1 == "answer" { print $2; exit }' "$W/ends")
  check "document 1 fsync'd, renamed, jobs/ fsync'd, WAL fsync'd, then held answered (returned at $D $R $S $L; answer read at $A)" \
    awk -v d="$D" -v r="$R" -v s="$S" -v l="$L" -v a="$A" 'BEGIN { exit !(d != "" && r != "" && s != "" && l != "" && a != "" && d < r && r < s && s < l && l < a) }'
  WALS=$(awk -v from="${D:-0}" -v to="${A:-0}" '$1 == "walsync" && $2 > from && $2 < to' "$W/ends" | wc -l)
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
ALL=$(sqlite3 "$DB" "SELECT id FROM jobs WHERE owner = 'dave' AND name = 'three.pdf' AND state IN ('receiving', 'converting', 'held')" | sort)
gw_restart
for J in $REPORTED; do
  check "reported held before the kill, still held after it: $J" sh -c "$PRINTGATE -c $GW_CONF --json job show $J | grep -q '\"state\": \"held\"'"
  check "... with its 3 pages" test "$(sqlite3 "$DB" "SELECT pages FROM documents WHERE job_id = '$J' AND num = 1 AND wrapped_key IS NOT NULL")" = 3
  check "... its converted file in jobs/" test -s "$GW_STATE/spool/jobs/$J-1.pgs"
  check "... no original file" test ! -e "$GW_STATE/spool/jobs/$J-0.pgs"
  check "... no original key row" test "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE job_id = '$J' AND num = 0")" = 0
done
N=$(echo "$ALL" | grep -c .)
check "every job the store had at the kill, received or converting or held ($N), ends held" peers_wait 60 sh -c \
  "test \"\$(sqlite3 '$DB' \"SELECT count(*) FROM jobs WHERE owner = 'dave' AND name = 'three.pdf' AND state = 'held'\")\" = '$N'"
check "no original is left in the spool" sh -c "test -z \"\$(find '$GW_STATE/spool' -name '*-0.pgs')\""
check "no original key is left" test "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE num = 0 AND wrapped_key IS NOT NULL")" = 0

gw_stop TERM
gw_finish
