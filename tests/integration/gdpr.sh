#!/usr/bin/env bash
# gdpr.sh - the GDPR tools against a real daemon (docs/gdpr.md):
#  1. right of access: alice gets addresses, an alias, a device, a PIN,
#     held jobs, outbox rows (the SMTP server is down, so they stay), a web
#     session, a sign-in code, a failed login (audit + lockout key); then
#     "user export alice" holds, for every table, at least as many rows as
#     a sqlite3 dump made just before names her in that table (and every
#     audit row and job of hers by id), and no secret (password, hash, PIN,
#     device token or password); an edit (address revoked, alias added) is
#     in the next export (rectification);
#  2. restriction: with "user restrict alice --reason ..." a CLI job, an
#     IPP Print-Job and a web upload of hers are refused with the sentence
#     and nothing is stored, while bob still prints (positive control);
#     "--off" lifts it and her CLI job is held again;
#  3. erasure: "user erase alice" leaves nothing in the store (sqlite3
#     .dump, and the database file itself once the daemon stopped), the
#     spool, the outbox or the log lines written after it that names her
#     (name, display name, alias, addresses), her jobs' spool files are
#     gone, the audit keeps every row (count + 1, the erase's own) under
#     the pseudonym erased-ID, and bob's user, address, job and outbox row
#     are untouched (positive control).
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
DEAD=$(peers_free_port)       # nothing listens there: outbox rows stay queued
peers_start_avahi
peers_start_ippeveprinter "PG GDPR" application/pdf
PRN_PORT=$PEERS_IPP_PORT
gw_start "SmtpServer 127.0.0.1:$DEAD" "SmtpTLS off" "SmtpFrom print@example.test" || exit 1
DB="$GW_STATE/printgate.db"
BASE="https://127.0.0.1:$GW_PORT"
NAMES='alice|aliddell|liddell|alice@example\.test|alice\.l@example\.test'

api() {   # api METHOD PATH [BODY] [JAR] [EXTRA CURL ARGS...]: body to $W/out, echo the status
  local method=$1 path=$2 body=${3:-} jar=${4:-$W/none}; shift 4 2>/dev/null || shift $#
  curl -sk -o "$W/out" -w '%{http_code}' -X "$method" -b "$jar" -c "$jar" \
       -H 'Content-Type: application/json' ${body:+--data-binary "$body"} "$@" "$BASE$path"
}
has() { printf '%s' "$1" | grep -qF -- "$2"; }
jobs_of() { sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE owner = '$1'"; }

# ---- 1. Data of alice (and of bob, the control) --------------------------------
check "alice with two addresses, an alias, a device and a PIN" sh -c "
  $PRINTGATE -c $GW_CONF user add alice --email alice@example.test --display 'Alice Liddell' &&
  $PRINTGATE -c $GW_CONF address verify alice@example.test &&
  $PRINTGATE -c $GW_CONF address add alice alice.l@example.test &&
  $PRINTGATE -c $GW_CONF user alias alice aliddell &&
  $PRINTGATE -c $GW_CONF device add alice alice-phone > $W/device.txt &&
  $PRINTGATE -c $GW_CONF pin new alice > $W/pin.txt"
check "bob with an address" sh -c "$PRINTGATE -c $GW_CONF user add bob --email bob@example.test && $PRINTGATE -c $GW_CONF address verify bob@example.test"
APW=$(gw user password alice | tail -1)
PIN=$(tail -1 "$W/pin.txt")
DPW=$(sed -n 's/^ *Password: *//p' "$W/device.txt")
DTOKEN=$(sed -n 's/^ *URL: *//p' "$W/device.txt"); DTOKEN=${DTOKEN##*/}
gw_make_pdf "$W/a.pdf" 2 "GDPR test"
# A job alice printed: its print_usage row (reports) names her until the erasure.
check "printer add lobby" gw printer add lobby "ipp://127.0.0.1:$PRN_PORT/ipp/print"
check "alice prints a job at lobby" sh -c "$PRINTGATE -c $GW_CONF job submit --user alice --name alice-printed.pdf $W/a.pdf >/dev/null && $PRINTGATE -c $GW_CONF release --pin $PIN --printer lobby"
check "the usage report names alice with 2 pages" sh -c "$PRINTGATE -c $GW_CONF report --by user --csv | grep -q '^alice,1,2,'"
check "two held jobs of alice" sh -c "$PRINTGATE -c $GW_CONF job submit --user alice --name alice-report.pdf $W/a.pdf && $PRINTGATE -c $GW_CONF job submit --user aliddell $W/a.pdf"
check "one held job of bob" gw job submit --user bob --name bob.pdf "$W/a.pdf"
check "outbox rows to alice and to bob" sh -c "echo hi | $PRINTGATE -c $GW_CONF outbox send alice@example.test 'For Alice' && echo hi | $PRINTGATE -c $GW_CONF outbox send bob@example.test 'For Bob'"
check_eq "alice signs in on the web with her password" "$(api POST /api/v1/signin/password "{\"name\":\"alice\",\"password\":\"$APW\"}" "$W/alice")" 200
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf", ""))' "$W/out")
check_eq "a sign-in code is mailed to alice (queued)" "$(api POST /api/v1/signin/code '{"address":"alice@example.test"}' "$W/x")" 202
check_eq "a wrong password for alice" "$(api POST /api/v1/signin/password '{"name":"alice","password":"wrong-password"}' "$W/y")" 401

# The right of access: every row the dump names her in is in the export.
sqlite3 "$DB" .dump > "$W/before.sql"
check "positive control: the dump names alice" grep -Eqi "$NAMES" "$W/before.sql"
check "user export alice" sh -c "$PRINTGATE -c $GW_CONF user export alice > $W/export.json"
check "the export has every row that names her" python3 - "$W/before.sql" "$W/export.json" "$NAMES" <<'EOF'
import json, re, sys
dump, export, names = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2])), re.compile(sys.argv[3], re.I)
section = {"users": "user", "aliases": "aliases", "addresses": "addresses", "devices": "devices", "jobs": "jobs",
           "outbox": "outbox", "audit": "audit", "lockouts": "lockouts", "signin_codes": "signin_codes",
           "print_usage": "usage"}
counts, audit_ids, job_ids = {}, set(), set()
for line in dump:
    m = re.match(r'INSERT INTO "?(\w+)"? VALUES\((.*)\);$', line)
    if not m or not names.search(line):
        continue
    table = m.group(1)
    if table not in section:
        sys.exit("a table the export does not cover names her: " + line[:200])
    counts[table] = counts.get(table, 0) + 1
    if table == "audit":
        audit_ids.add(int(m.group(2).split(",")[0]))
    if table == "jobs":
        job_ids.add(m.group(2).split(",")[1].strip("'"))
for table, n in counts.items():
    got = export[section[table]]
    got = 1 if isinstance(got, dict) else len(got)
    print(f"{table}: {n} row(s) in the dump name her, {got} in the export")
    if got < n:
        sys.exit(f"{table}: the export misses rows")
missing = audit_ids - {a["id"] for a in export["audit"]}
if missing:
    sys.exit(f"audit rows {sorted(missing)} are not in the export")
if job_ids != {j["id"] for j in export["jobs"]}:
    sys.exit("jobs differ")
for key, least in (("sessions", 1), ("pins", 1), ("devices", 1), ("signin_codes", 1), ("outbox", 2), ("lockouts", 1)):
    if len(export[key]) < least:
        sys.exit(f"{key}: fewer than {least}")
if not all(j["documents"] and j["documents"][0]["pages"] == 2 for j in export["jobs"]):
    sys.exit("a job without its documents' page counts")
if export["user"]["display_name"] != "Alice Liddell" or export["user"]["restricted"]:
    sys.exit("the user row is wrong")
EOF
HASH=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE name = 'alice'")
check "the export holds no secret (password, its hash, PIN, device token and password)" \
  sh -c "test -n '$HASH' && test -n '$PIN' && test -n '$DPW' && ! grep -qF -e '$APW' -e '$HASH' -e '$PIN' -e '$DPW' -e '$DTOKEN' $W/export.json && ! grep -q 'hmac\|wrapped' $W/export.json"
check "the export holds none of bob's rows" sh -c "! grep -q bob $W/export.json"
check "the export was audited" sh -c "$PRINTGATE -c $GW_CONF audit --action user.export | grep -q alice"
check "an unknown user's export is refused" sh -c "$PRINTGATE -c $GW_CONF user export nobody 2>&1 | grep -q 'No user'"

# Rectification: the edits are in the next export.
gw address revoke alice.l@example.test >/dev/null; gw user alias alice alice2 >/dev/null
check "an edit shows in the next export (address revoked, alias added)" sh -c "$PRINTGATE -c $GW_CONF --json user export alice | python3 -c '
import json, sys
e = json.load(sys.stdin)[\"export\"]
assert {a[\"address\"]: a[\"state\"] for a in e[\"addresses\"]}[\"alice.l@example.test\"] == \"revoked\"
assert \"alice2\" in [a[\"alias\"] for a in e[\"aliases\"]]'"

# ---- 2. Restriction ----------------------------------------------------------------
check "user restrict alice" gw user restrict alice --reason "GDPR Art. 18 request 42"
SENTENCE="restricted (GDPR Art. 18 request 42)"
N=$(jobs_of alice)
out=$(gw job submit --user alice "$W/a.pdf" 2>&1)
check "a CLI job of hers is refused with the sentence ($out)" has "$out" "$SENTENCE"
check "... and the reason code" has "$out" "[restricted]"
out=$($IPC "$GW_PORT" print --document "$W/a.pdf" --format application/pdf --auth "alice:$APW" 2>&1)
check "an IPP Print-Job of hers is refused: client-error-not-possible ($out)" has "$out" "IPP 0x0404"
check "... with the sentence" has "$out" "$SENTENCE"
status=$(api POST /api/v1/jobs "" "$W/alice" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/pdf' --data-binary "@$W/a.pdf")
check "a web upload of hers is refused: 403 + the sentence ($status)" sh -c "[ $status = 403 ] && grep -qF \"$SENTENCE\" $W/out"
check_eq "nothing of hers was stored" "$(jobs_of alice)" "$N"
check "the refusals are audited (job.refuse restricted)" sh -c "[ \$($PRINTGATE -c $GW_CONF audit --user alice --action job.refuse --outcome refused | grep -c restricted) -ge 3 ]"
check "bob still prints (positive control)" gw job submit --user bob "$W/a.pdf"
check "the export says restricted" sh -c "$PRINTGATE -c $GW_CONF --json user export alice | grep -q '\"restricted\": true'"
check "restrict without a reason is a usage error" sh -c "! $PRINTGATE -c $GW_CONF user restrict alice 2>/dev/null"
check "user restrict alice --off" gw user restrict alice --off
check "her CLI job is held again" gw job submit --user alice --name again.pdf "$W/a.pdf"
check_eq "one more job of hers" "$(jobs_of alice)" "$((N + 1))"

# ---- 3. Erasure ------------------------------------------------------------------
JOBS=$(sqlite3 "$DB" "SELECT id FROM jobs WHERE owner = 'alice'")
BOBJOB=$(sqlite3 "$DB" "SELECT id FROM jobs WHERE owner = 'bob' LIMIT 1")
spool_of() { for j in $1; do find "$GW_STATE" -name "*$j*" -type f; done; }
check "positive control: her jobs have spool files" test -n "$(spool_of "$JOBS")"
AUDIT_BEFORE=$(sqlite3 "$DB" "SELECT count(*) || ' ' || max(id) FROM audit")
HERS=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE actor = 'alice' OR subject = 'alice'")
LOGLINES=$(wc -l < "$GW_LOG")
out=$(gw user erase alice)
ID=$(echo "$out" | sed -n 's/.*name erased-\([0-9]*\)\..*/\1/p')
check "user erase alice names the pseudonym ($out)" test -n "$ID"
P="erased-$ID"
# Activity after the erasure, so the log has lines to look at.
gw job submit --user bob "$W/a.pdf" >/dev/null; gw audit --user "$P" >/dev/null
check "her login fails now" sh -c "[ \$(curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{\"name\":\"alice\",\"password\":\"$APW\"}' $BASE/api/v1/signin/password) = 401 ]"
sqlite3 "$DB" .dump > "$W/after.sql"
check "nothing in the store names her ($(grep -Eio "$NAMES" "$W/after.sql" | sort | uniq -c | tr '\n' ' '))" sh -c "! grep -Eqi '$NAMES' $W/after.sql"
check "the usage report keeps her printed pages under $P, and no alice" sh -c "$PRINTGATE -c $GW_CONF report --by user --csv > $W/report.csv && grep -q '^$P,1,2,' $W/report.csv && ! grep -qi alice $W/report.csv"
check "her jobs' spool files are gone" test -z "$(spool_of "$JOBS")"
check "bob's job and its spool file are there (positive control)" sh -c "[ \$(sqlite3 $DB \"SELECT state FROM jobs WHERE id = '$BOBJOB'\") = held ] && test -n \"$(spool_of "$BOBJOB")\""
check "no log line after the erasure names her" sh -c "! tail -n +$((LOGLINES + 1)) $GW_LOG | grep -Eqi '$NAMES'"
check "positive control: the log after the erasure has lines" sh -c "[ \$(tail -n +$((LOGLINES + 1)) $GW_LOG | wc -l) -gt 0 ]"
check "the outbox has no row to her, bob's is there" sh -c "$PRINTGATE -c $GW_CONF outbox list > $W/outbox.txt && ! grep -Eqi '$NAMES' $W/outbox.txt && grep -q bob@example.test $W/outbox.txt"
check_eq "the audit kept every row written before" "$(sqlite3 "$DB" "SELECT count(*) || ' ' || max(id) FROM audit WHERE id <= ${AUDIT_BEFORE#* }")" "$AUDIT_BEFORE"
check "and has the erasure's own row" sh -c "sqlite3 $DB \"SELECT subject, detail FROM audit WHERE action = 'user.erase'\" | grep -qx 'erased-[0-9]*|jobs 3'"
check "her rows are there under $P ($HERS before)" sh -c "[ \$(sqlite3 $DB \"SELECT count(*) FROM audit WHERE actor = '$P' OR subject = '$P'\") -ge $HERS ] && [ $HERS -gt 3 ]"
check "the audit query finds them by the pseudonym" sh -c "$PRINTGATE -c $GW_CONF audit --user $P --action job.submit | grep -q $P"
check "bob's user and address are there" sh -c "$PRINTGATE -c $GW_CONF address list --user bob | grep -q bob@example.test"
check "erasing her again is refused" sh -c "$PRINTGATE -c $GW_CONF user erase alice 2>&1 | grep -q 'no such user'"
check "erasing the pseudonym is refused" sh -c "! $PRINTGATE -c $GW_CONF user erase $P 2>/dev/null"
check "a new user named erased-... is refused" sh -c "$PRINTGATE -c $GW_CONF user add erased-999 2>&1 | grep -q 'kept for erased users'"

# The audit command's paging, CSV and refusals.
gw audit --limit 3 > "$W/page1" 2> "$W/page1.err"
AFTER=$(sed -n 's/.*--after \([0-9]*\).*/\1/p' "$W/page1.err")
check "audit --limit 3: three rows and the next page's cursor ($AFTER)" sh -c "[ \$(wc -l < $W/page1) = 3 ] && [ -n '$AFTER' ]"
gw --json audit --limit 3 --after "$AFTER" > "$W/page2.json"
check "the next page goes on below the cursor, no row twice" python3 -c "
import json, sys
rows = json.load(open('$W/page2.json'))['audit']
assert len(rows) == 3 and all(r['id'] < $AFTER for r in rows), rows"
gw audit --user "$P" --csv > "$W/audit.csv"
check "audit --csv: the header, then a CRLF line per row of the pseudonym, none naming her" python3 - "$W/audit.csv" "$HERS" "$NAMES" <<'EOF'
import csv, io, re, sys
data = open(sys.argv[1], newline="").read()
rows = list(csv.reader(io.StringIO(data, newline="")))
assert rows[0] == ["id", "time", "actor", "action", "subject", "job", "printer", "pages", "source", "detail"], rows[0]
assert data.count("\r\n") == len(rows) and "\n" not in data.replace("\r\n", ""), "not CRLF rows"
assert len(rows) - 1 >= int(sys.argv[2]), (len(rows), sys.argv[2])
assert not re.search(sys.argv[3], data, re.I), "names her"
EOF
check "audit --outcome bogus is refused" sh -c "! $PRINTGATE -c $GW_CONF audit --outcome bogus 2>/dev/null"
check "audit --since 2026-13-45 is refused" sh -c "$PRINTGATE -c $GW_CONF audit --since 2026-13-45 2>&1 | grep -q 'Unix time or YYYY-MM-DD'"
check "audit --since 2000-01-01 --until 2000-01-02 finds nothing" sh -c "[ -z \"\$($PRINTGATE -c $GW_CONF audit --since 2000-01-01 --until 2000-01-02)\" ]"
check "audit --csv --limit 0 is refused" sh -c "! $PRINTGATE -c $GW_CONF audit --csv --limit 0 2>/dev/null"

# The database files themselves, once the daemon closed them (the WAL checkpointed, secure_delete on).
gw_stop TERM
check "nothing in the state directory names her (database, spool)" sh -c "! grep -rEilas '$NAMES' $GW_STATE"
check "positive control: bob is in the database file" sh -c "grep -rlaq bob@example.test $GW_STATE"

gw_finish
