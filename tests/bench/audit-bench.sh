#!/usr/bin/env bash
# audit-bench.sh - the audit query (printgate audit, gwApiAuditQuery()) on a
# store of 10,000 users and 1,000,000 audit rows over a year, plus one
# user's GDPR export and erasure on that store (docs/gdpr.md).
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/audit-bench.sh [ROUNDS]
#
# The store is made by printgated (schema), then filled by sqlite3 in one
# transaction while the daemon is stopped: users u00001..u10000; rows from
# a year ago to now (one every ~31 s), by a random user (job.expire by
# "system", 10 %), actions job.submit 35 %, job.print 30 % (at one of 50
# printers), job.hold 15 %, job.expire 10 %, pin.fail 3 %, login.fail 1 %,
# job.refuse 1 %, job.cancel 5 %.  Each query runs ROUNDS times (default
# 100) through the CLI (process start + control socket + query + JSON);
# "status" is the floor of that path.  Prints p50 and p99 in ms, and the
# query plan of each filter shape (EXPLAIN QUERY PLAN).
set -u
ROUNDS=${1:-100}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
gw_start "LogLevel info" || exit 1
gw_stop TERM
DB="$GW_STATE/printgate.db"
NOW=$(date +%s)

t0=${EPOCHREALTIME/./}
sqlite3 "$DB" <<EOF || { echo "fill failed"; exit 1; }
PRAGMA foreign_keys = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO users (tenant_id, name, display_name, role, created) SELECT 1, printf('u%05d', i), printf('User %d', i), 'user', $NOW - 40000000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000),
  r AS (SELECT i, abs(random()) % 10000 + 1 AS u, abs(random()) % 100 AS a, abs(random()) % 50 AS p FROM n),
  s AS (SELECT i, u, p, CASE WHEN a < 35 THEN 'job.submit' WHEN a < 65 THEN 'job.print' WHEN a < 80 THEN 'job.hold'
                             WHEN a < 90 THEN 'job.expire' WHEN a < 93 THEN 'pin.fail' WHEN a < 94 THEN 'login.fail'
                             WHEN a < 95 THEN 'job.refuse' ELSE 'job.cancel' END AS action FROM r)
INSERT INTO audit (tenant_id, time, actor, action, subject, job_id, printer, pages, source, detail)
SELECT 1, $NOW - (1000000 - i) * 31, CASE action WHEN 'job.expire' THEN 'system' ELSE printf('u%05d', u) END, action,
       printf('u%05d', u), lower(hex(randomblob(16))), CASE WHEN action IN ('job.print', 'pin.fail') THEN printf('printer-%02d', p) ELSE '' END,
       CASE action WHEN 'job.print' THEN 1 + p % 9 ELSE 0 END, 'ipp 192.0.2.1', '' FROM s;
COMMIT;
EOF
t1=${EPOCHREALTIME/./}
FILL_MS=$(( (t1 - t0) / 1000 ))
gw_restart || exit 1

# The user with the most rows among the first hundred ("a typical user"), a day, a week, a month.
U=$(sqlite3 "$DB" "SELECT subject FROM audit WHERE subject BETWEEN 'u00001' AND 'u00100' GROUP BY subject ORDER BY count(*) DESC LIMIT 1")
DAY=$((NOW - 86400)); WEEK=$((NOW - 7 * 86400)); MONTH=$((NOW - 30 * 86400)); YEAR_AGO=$((NOW - 300 * 86400))
MID=$(sqlite3 "$DB" "SELECT max(id) / 2 FROM audit")

pct() {   # pct P < numbers: the P-th percentile (nearest rank)
  sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", a[i] }'
}

run_query() {   # run_query LABEL ARGS...: ROUNDS timed runs of "printgate ARGS"
  local label=$1 t0 t1 i rows; shift
  : > "$W/times"
  case " $* " in
    *" --csv "*) rows=$(( $("$PRINTGATE" -c "$GW_CONF" "$@" | wc -l) - 1 ));;
    *)           rows=$("$PRINTGATE" -c "$GW_CONF" --json "$@" | grep -c '"id"');;
  esac
  for i in $(seq "$ROUNDS"); do
    t0=${EPOCHREALTIME/./}
    "$PRINTGATE" -c "$GW_CONF" "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/./}
    echo "$(( (t1 - t0) / 100 ))" | sed 's/\(.\)$/.\1/' >> "$W/times"
  done
  printf '%-58s %6s %8s %8s\n' "$label" "$rows" "$(pct 50 < "$W/times")" "$(pct 99 < "$W/times")"
}

echo "store: 10,000 users, $(sqlite3 "$DB" 'SELECT count(*) FROM audit') audit rows, $(du -m "$DB" | cut -f1) MB, filled in $FILL_MS ms; typical user $U ($(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE actor = '$U' OR subject = '$U'") rows)"
printf '%-58s %6s %8s %8s\n' "query (printgate ..., 50 rows a page)" "rows" "p50 ms" "p99 ms"
run_query "status (the CLI's floor: no query)" status
run_query "audit (newest)" audit --limit 50
run_query "audit --user (typical user)" audit --user "$U" --limit 50
run_query "audit --user --since (a month)" audit --user "$U" --since "$MONTH" --limit 50
run_query "audit --user system (100,000 rows)" audit --user system --limit 50
run_query "audit --action pin.fail" audit --action pin.fail --limit 50
run_query "audit --printer printer-07" audit --printer printer-07 --limit 50
run_query "audit --outcome refused" audit --outcome refused --limit 50
run_query "audit --since (a day ago) --until (now)" audit --since "$DAY" --until "$NOW" --limit 50
run_query "audit --since (300 days ago)" audit --since "$YEAR_AGO" --limit 50
run_query "audit --action job.print --printer --since (a week)" audit --action job.print --printer printer-07 --since "$WEEK" --limit 50
run_query "audit --action job.print --after (middle of the log)" audit --action job.print --after "$MID" --limit 50
run_query "audit --user --csv (all of the user's rows)" audit --user "$U" --csv

echo "query plans (EXPLAIN QUERY PLAN of the WHERE shapes the store builds, as in tests/unit/test-gdpr.c):"
for args in "" "user" "action" "printer" "outcome" "since" "since until" "action printer since"; do
  where="tenant_id = 1 AND (time, id) < ($NOW, 9e18)"
  for a in $args; do
    case $a in
      action) where="$where AND action = 'pin.fail'";; printer) where="$where AND printer = 'printer-07'";;
      outcome) where="$where AND outcome = 'refused'";; since) where="$where AND time >= $DAY";; until) ;;   # folded into the cursor bound
      user) where="$where AND actor = '$U'";;
    esac
  done
  printf '  %-22s %s\n' "${args:-none}:" "$(sqlite3 "$DB" "EXPLAIN QUERY PLAN SELECT id FROM audit WHERE $where ORDER BY time DESC, id DESC LIMIT 50" | sed -n 's/.*\(SEARCH\|SCAN\)/\1/p' | tr '\n' ';')"
done

t0=${EPOCHREALTIME/./}; "$PRINTGATE" -c "$GW_CONF" user export "$U" > "$W/export.json"; t1=${EPOCHREALTIME/./}
echo "user export $U: $(( (t1 - t0) / 1000 )) ms, $(wc -c < "$W/export.json") bytes, $(grep -c '"action"' "$W/export.json") audit rows"
t0=${EPOCHREALTIME/./}; "$PRINTGATE" -c "$GW_CONF" user erase "$U" >/dev/null; t1=${EPOCHREALTIME/./}
echo "user erase $U: $(( (t1 - t0) / 1000 )) ms (every audit row is read for the user's names and addresses)"
t0=${EPOCHREALTIME/./}; "$PRINTGATE" -c "$GW_CONF" status >/dev/null; t1=${EPOCHREALTIME/./}
echo "status right after: $(( (t1 - t0) / 1000 )) ms"

gw_stop TERM
