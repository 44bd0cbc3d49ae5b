#!/usr/bin/env bash
# web-admin-printers.sh - the console's printers, terminals and policy rules
# (docs/admin.md) with curl against printgated and a real ippeveprinter:
# a printer added by URI through the API and through the page after the
# capability check; its test page arrives in the printer's folder (a PDF
# saying "Printgate test page", audited); a URI no sink takes and a printer
# that does not answer are refused with a sentence and nothing is stored;
# the state (reachable from a cached check made off the request, jobs
# released today, the last failed release) in the list, the API and the
# printer's page; location and URI edits (a new URI passes the check again,
# a refused one changes nothing and leaves no false "unreachable"); no
# repeated element ids; tags saved and seen by a rule's dry-run (tag= matches, and does not after
# the tag is gone); helpdesk and auditor get 403 on every change and nothing
# changes; a terminal made on the console shows its key once (not in the
# store), works for /api/v1/terminal/release at its printer and at no
# other, and stops when revoked; a delegate's PIN with "for" releases the
# owner's jobs at a terminal (audited "released by X for Y"), a non-delegate's
# does not, and a removed delegation stops it at once; a rule added by the page is in `printgate
# rule list`; a malformed rule line is refused with the parser's sentence
# and nothing is stored; the QR sheet encodes /p/NAME; navigation by role.
set -u
export TZ=UTC
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Console" application/pdf
PRN_DIR=$PEERS_IPP_DIR PRN_URI="ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print"
W=$PEERS_DIR

# PrinterTimeout 20s: the hung printer's check below must outlast two looks at the list (each
# curl plus python, under 5 s also on a loaded CPU under the sanitizers).
gw_start "PinMaxFailures 5" "PrinterRetries 1" "PrinterTimeout 20s"
BASE="https://127.0.0.1:$GW_PORT"
DB="$GW_STATE/printgate.db"
. "$GW_SOURCE_DIR/tests/lib/web-client.sh"
. "$GW_SOURCE_DIR/tests/lib/web-admin-client.sh"
sql() { sqlite3 "$DB" "$1"; }
has() { grep -c -- "$1" "$W/out" | tr -d '\n'; }
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
hdrloc() { grep -i '^location:' "$W/hdr" | tr -d '\r' | sed 's/^[Ll]ocation: //'; }
pdfs() { find "$PRN_DIR" -name '*.pdf' | wc -l | tr -d ' '; }

console_trio
check "alice" gw user add alice

# ---- printers: add, refusals ------------------------------------------------------------------
check_eq "add a printer by URI (API), checked" "$(api POST /api/v1/admin/printers "{\"name\":\"lobby\",\"uri\":\"$PRN_URI\",\"location\":\"Floor 2 lobby\",\"tags\":\"colour,floor2\"}" "$W/boss" "${B[@]}")" 200
check_eq "  listed with its URI, location and tags" "$(api GET /api/v1/admin/printers '' "$W/boss"; python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["printers"][0]; print(p["name"], p["uri"], p["location"], p["tags"])' "$W/out")" \
         "200lobby $PRN_URI Floor 2 lobby colour,floor2"
check_eq "  in the CLI's list too" "$(gw printer list | grep -c "^lobby")" 1
check_eq "  audited printer.add by boss" "$(sql "SELECT actor || ' ' || printer FROM audit WHERE action = 'printer.add'")" "boss lobby"

NPRN=$(sql "SELECT count(*) FROM printers")
check_eq "a URI no sink takes: 400" "$(api POST /api/v1/admin/printers '{"name":"bad","uri":"http://127.0.0.1/x"}' "$W/boss" "${B[@]}")" 400
check "  with the sentence" grep -q 'unsupported printer URI: use ipp://, ipps:// or cups://HOST:PORT/QUEUE' "$W/out"
DEAD=$(peers_free_port)
check_eq "a printer that does not answer: refused" "$(api POST /api/v1/admin/printers "{\"name\":\"dead\",\"uri\":\"ipp://127.0.0.1:$DEAD/ipp/print\"}" "$W/boss" "${B[@]}")" 400
check_eq "  reason printer-unreachable" "$(field reason)" printer-unreachable
check "  the sentence names the printer" sh -c "python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"error\"])' $W/out | grep -q \"^The printer was not added: Printer 'dead' at ipp://127.0.0.1:$DEAD/ipp/print did not answer\""
check_eq "  nothing stored" "$(sql "SELECT count(*) FROM printers")/$(sql "SELECT count(*) FROM printer_tags WHERE printer NOT IN (SELECT name FROM printers)")" "$NPRN/0"
check_eq "a printer by the page form (303 to the list: a slow call's redirect has its Location), checked" "$(api POST /admin/printers "csrf=$BCSRF&name=side&uri=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PRN_URI")&location=Annex&tags=mono" "$W/boss" "${FORM[@]}"; hdrloc)" 303/admin/printers
check_eq "  the page lists both, with forms" "$(api GET /admin/printers '' "$W/boss"; has 'data-printer=')" 2002
check "  and the add form" grep -q 'id="printer-new"' "$W/out"

# ---- test page ----------------------------------------------------------------------------------
N0=$(pdfs)
check_eq "test page (API): printed" "$(api POST /api/v1/admin/printers/lobby/test-page '{}' "$W/boss" "${B[@]}")" 200
check "  a document arrived in the printer's folder" peers_wait 20 sh -c "[ \$(find '$PRN_DIR' -name '*.pdf' | wc -l) -gt $N0 ]"
TP=$(ls -t "$PRN_DIR"/*.pdf | head -1)
check "  it is the test page" sh -c "pdftotext '$TP' - | grep -q 'Printgate test page'"
check_eq "  one page" "$(pdfinfo "$TP" | awk '/^Pages:/ {print $2}')" 1
check_eq "  audited printer.testpage, printed, by boss" "$(sql "SELECT actor || ' ' || printer || ' ' || detail FROM audit WHERE action = 'printer.testpage'")" "boss lobby printed"
check_eq "  the job was boss's, printed there" "$(sql "SELECT a.actor || ' ' || a.printer FROM audit a JOIN audit t ON a.job_id = t.job_id WHERE t.action = 'printer.testpage' AND a.action = 'job.print'")" "boss lobby"
check_eq "test page by the page form" "$(api POST /admin/printers/side/test-page "csrf=$BCSRF" "$W/boss" "${FORM[@]}"; has 'id="test-page-result"')" 2001
check "  a second document arrived" peers_wait 20 sh -c "[ \$(find '$PRN_DIR' -name '*.pdf' | wc -l) -gt $((N0 + 1)) ]"
check_eq "test page of an unknown printer: 404" "$(api POST /api/v1/admin/printers/nope/test-page '{}' "$W/boss" "${B[@]}")" 404
check_eq "capability check on demand" "$(api POST /api/v1/admin/printers/lobby/check '{}' "$W/boss" "${B[@]}"; field ok)" 200True

# ---- state, edit, location -----------------------------------------------------------------------
# pstate NAME KEY [JAR]: one field of a printer's state in the API's list; wait_state NAME KEY VALUE: until it
# is (up to 90 s: a hung printer's check takes PrinterTimeout).
wait_state() { local end=$((SECONDS + 90)); until [ "$(pstate "$1" "$2")" = "$3" ]; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.5; done; }
pstate() { api GET /api/v1/admin/printers '' "${3:-$W/boss}" >/dev/null; python3 -c 'import json,sys; print([p for p in json.load(open(sys.argv[1]))["printers"] if p["name"]==sys.argv[2]][0]["state"][sys.argv[3]])' "$W/out" "$1" "$2"; }
sqlw() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
check_eq "state: lobby answered the check on demand" "$(pstate lobby reachable)" yes
# "Released today" counts from local midnight: a run that crosses midnight (CI starts near it) sees the count go
# back to 0, so the expected value is the job.print rows since midnight, read before and after the state.
prints_today() { sql "SELECT count(*) FROM audit WHERE action = 'job.print' AND printer = '$1' AND time >= $(date -d 'today 00:00' +%s)"; }
released_today_ok() {
  local before got after
  before=$(prints_today "$1"); got=$(pstate "$1" released_today); after=$(prints_today "$1")
  if [ "$got" = "$before" ] || [ "$got" = "$after" ]; then echo ok; else echo "$got (job.print rows since midnight: $before, then $after)"; fi
}
check_eq "state: lobby's jobs released today are its job.print rows since midnight" "$(released_today_ok lobby)" ok
check_eq "  which is the test page: 1" "$(sql "SELECT count(*) FROM audit WHERE action = 'job.print' AND printer = 'lobby'")" 1
check_eq "  no last error yet" "$(pstate lobby last_error)/$(pstate lobby last_error_time)" "/0"
check_eq "side (checked when added) is reachable" "$(pstate side reachable)" yes
# A printer that takes connections and never answers (as one hung): its check takes PrinterTimeout.
SILENT=$(peers_free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c=[]
while True: c.append(s.accept())' "$SILENT" &
peers_track $!
check "  the hung printer listens" peers_wait 20 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$SILENT"
sqlw "INSERT INTO printers (tenant_id, name, uri, location, enabled, created) VALUES (1, 'hung', 'ipp://127.0.0.1:$SILENT/ipp/print', '', 1, 0)"
T0=$(date +%s%N)
check_eq "a hung printer never checked: the list answers at once, checking" "$(pstate hung reachable)" checking
check "  in under 5 s (PrinterTimeout is 20 s: the check runs off the request)" test $(( ($(date +%s%N) - T0) / 1000000 )) -lt 5000
check_eq "  the list still answers at once while its check runs" "$(pstate hung reachable)" checking
check "  then: not reachable" wait_state hung reachable no
check_eq "  with the sentence" "$(pstate hung check_text | grep -c 'hung')" 1
sqlw "DELETE FROM printers WHERE name = 'hung'"
check_eq "  the page shows the state" "$(api GET /admin/printers '' "$W/boss"; has 'data-reachable="yes"')" 2002
check_eq "location edit (API)" "$(api POST /api/v1/admin/printers/lobby/edit '{"location":"Floor 3 lobby"}' "$W/boss" "${B[@]}")" 200
check_eq "  stored, the URI kept" "$(sql "SELECT location || '|' || uri FROM printers WHERE name = 'lobby'")" "Floor 3 lobby|$PRN_URI"
check_eq "  audited printer.edit location by boss" "$(sql "SELECT actor || ' ' || printer || ' ' || detail FROM audit WHERE action = 'printer.edit'")" "boss lobby location"
check_eq "location edit (page form): 303 to the printer's page" "$(api POST /admin/printers/side/edit "csrf=$BCSRF&uri=&location=Annex+2" "$W/boss" "${FORM[@]}"; hdrloc)" "303/admin/printers/side"
check_eq "  stored" "$(sql "SELECT location FROM printers WHERE name = 'side'")" "Annex 2"
check_eq "  the printer's page shows it, with the edit form" "$(api GET /admin/printers/side '' "$W/boss"; has 'id="printer-location">Annex 2<')$(has 'id="printer-edit"')" 20011
check_eq "a location with a control character: 400, nothing changed" "$(api POST /api/v1/admin/printers/lobby/edit '{"location":"a\u0001b"}' "$W/boss" "${B[@]}")/$(sql "SELECT location FROM printers WHERE name = 'lobby'")" "400/Floor 3 lobby"
check_eq "a URI no sink takes: 400, nothing changed" "$(api POST /api/v1/admin/printers/lobby/edit '{"uri":"http://127.0.0.1/x","location":"X"}' "$W/boss" "${B[@]}")/$(sql "SELECT uri || '|' || location FROM printers WHERE name = 'lobby'")" "400/$PRN_URI|Floor 3 lobby"
check_eq "a URI that does not answer: refused by the check (printer-unreachable)" "$(api POST /api/v1/admin/printers/lobby/edit "{\"uri\":\"ipp://127.0.0.1:$DEAD/ipp/print\",\"location\":\"Y\"}" "$W/boss" "${B[@]}"; field reason)" 400printer-unreachable
check "  the sentence says it was not changed" grep -q 'The printer was not changed: Printer' "$W/out"
check_eq "  the old URI and location stay" "$(sql "SELECT uri || '|' || location FROM printers WHERE name = 'lobby'")" "$PRN_URI|Floor 3 lobby"
check "  and lobby is not left marked unreachable (checked again)" wait_state lobby reachable yes
ALT_URI="ipp://localhost:$PEERS_IPP_PORT/ipp/print"
check_eq "a new URI that answers (same printer by another name): kept" "$(api POST /api/v1/admin/printers/side/edit "{\"uri\":\"$ALT_URI\"}" "$W/boss" "${B[@]}")/$(sql "SELECT uri || '|' || location FROM printers WHERE name = 'side'")" "200/$ALT_URI|Annex 2"
check_eq "edit of an unknown printer: 404" "$(api POST /api/v1/admin/printers/nope/edit '{"location":"x"}' "$W/boss" "${B[@]}")" 404

# The printer goes away (its URI now points nowhere): the check says so, the state is cached, a release fails there.
sqlw "UPDATE printers SET uri = 'ipp://127.0.0.1:$DEAD/ipp/print' WHERE name = 'side'"
check_eq "side gone away: the check says no (409)" "$(api POST /api/v1/admin/printers/side/check '{}' "$W/boss" "${B[@]}"; field reason)" 409printer-unreachable
check_eq "  state: not reachable, with the sentence" "$(pstate side reachable)/$(pstate side check_text | grep -c 'did not answer')" no/1
gw_make_pdf "$W/err.pdf" 1 "Error job"
JE=$(gw job submit --user alice "$W/err.pdf")
check "  a release there fails (held)" sh -c "! $PRINTGATE -c $GW_CONF release --user alice --printer side --job $JE >/dev/null 2>&1; [ \"\$(sqlite3 '$DB' \"SELECT state FROM jobs WHERE id = '$JE'\")\" = held ]"
check_eq "  state: the last error is the job's reason" "$(pstate side last_error)" "$(sql "SELECT reason_text FROM jobs WHERE id = '$JE'")"
check "  with its time, and a sentence" test "$(pstate side last_error_time)" -gt 0 -a -n "$(pstate side last_error)"
check_eq "  the page shows it" "$(api GET /admin/printers '' "$W/boss"; has 'class="printer-error"')" 2001
sqlw "UPDATE printers SET uri = '$PRN_URI' WHERE name = 'side'"
check_eq "  back: the state stays cached (no check on every view)" "$(pstate side reachable)" no
check_eq "  until a check: yes" "$(api POST /api/v1/admin/printers/side/check '{}' "$W/boss" "${B[@]}"; pstate side reachable)" 200yes
check_eq "  lobby's count is its own (side's failure not in it)" "$(released_today_ok lobby)/$(pstate lobby last_error_time)" ok/0
check_eq "the printers page repeats no element id" "$(api GET /admin/printers '' "$W/boss"; python3 -c 'import re,sys,collections; c=collections.Counter(re.findall(r"\bid=\"([^\"]*)\"", open(sys.argv[1]).read())); print(sorted(k for k,v in c.items() if v>1))' "$W/out")" "200[]"
gw job cancel "$JE" >/dev/null 2>&1 || true

# ---- tags and a rule's dry-run ---------------------------------------------------------------------
check_eq "a rule on the tag (API)" "$(api POST /api/v1/admin/rules '{"line":"floor2-wm tag=floor2 => watermark mono"}' "$W/boss" "${B[@]}")" 200
DRY='{"user":"alice","at":"release","printer":"lobby","pages":2,"colour_pages":1}'
check_eq "dry-run at lobby (tag floor2): the rule matches" "$(api POST /api/v1/admin/rules/dry-run "$DRY" "$W/boss" "${B[@]}"; field mono)/$(field watermark)" 200True/True
check "  the sentence names the rule" grep -q 'rule floor2-wm' "$W/out"
check_eq "lobby's tags changed by the page form" "$(api POST /admin/printers/lobby/tags "csrf=$BCSRF&tags=colour" "$W/boss" "${FORM[@]}")" 303
check_eq "  saved" "$(gw printer tags lobby 2>/dev/null | tr -d ' \n' || true)$(api GET /api/v1/admin/printers '' "$W/boss" >/dev/null; python3 -c 'import json,sys; print([p["tags"] for p in json.load(open(sys.argv[1]))["printers"] if p["name"]=="lobby"][0])' "$W/out")" \
         "$(gw printer tags lobby 2>/dev/null | tr -d ' \n' || true)colour"
check_eq "  dry-run now: the rule does not match" "$(api POST /api/v1/admin/rules/dry-run "$DRY" "$W/boss" "${B[@]}"; field mono)/$(field matched)" 200False/0
check_eq "dry-run through the page form" "$(api POST /admin/rules/dry-run "csrf=$BCSRF&user=alice&at=release&printer=side&pages=3&colour_pages=0&time=2026-12-07T10:00" "$W/boss" "${FORM[@]}"; has 'id="dry-run-decision" class="ok">Allowed')" 2001
check_eq "dry-run of an unknown user: 404 with the sentence" "$(api POST /api/v1/admin/rules/dry-run '{"user":"nobody"}' "$W/boss" "${B[@]}"; field error)" "404no such user"

# ---- rules page ----------------------------------------------------------------------------------------
check_eq "a rule added by the page form" "$(api POST /admin/rules "csrf=$BCSRF&line=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("weekend-mail days=sat,sun intake=mail => refuse=\"No mail printing at weekends.\"", safe=""))')" "$W/boss" "${FORM[@]}")" 303
check "  it is in printgate rule list" sh -c "$PRINTGATE -c $GW_CONF rule list | grep -q 'weekend-mail'"
check_eq "  the page lists both rules in order" "$(api GET /admin/rules '' "$W/boss"; grep -o 'data-rule="[^"]*"' "$W/out" | tr '\n' ' ')" '200data-rule="floor2-wm" data-rule="weekend-mail" '
NRULES=$(sql "SELECT count(*) FROM policy_rules")
check_eq "a malformed rule line (page): 400" "$(api POST /admin/rules "csrf=$BCSRF&line=broken+pages%3Dabc+%3D%3E+allow" "$W/boss" "${FORM[@]}")" 400
check "  with the parser's sentence" grep -qi 'pages' "$W/out"
check_eq "a malformed rule line (API): 400 refused" "$(api POST /api/v1/admin/rules '{"line":"x => allow refuse"}' "$W/boss" "${B[@]}"; field reason)" 400refused
ERR=$(field error)
check "  the sentence is the CLI's" sh -c "$PRINTGATE -c $GW_CONF rule add 'x => allow refuse' 2>&1 | grep -qF \"$ERR\""
check_eq "  nothing stored" "$(sql "SELECT count(*) FROM policy_rules")" "$NRULES"

# ---- roles: helpdesk and auditor change nothing -------------------------------------------------------
SNAP() { sql "SELECT (SELECT group_concat(name || uri || location, ';') FROM printers) || '|' || (SELECT count(*) FROM printer_tags) || '|' || (SELECT group_concat(line, ';') FROM policy_rules) || '|' || (SELECT count(*) FROM terminals)"; }
BEFORE=$(SNAP)
NAUD=$(sql "SELECT count(*) FROM audit WHERE action LIKE 'printer.%' OR action LIKE 'rule.%' OR action LIKE 'terminal.%'")
for who in desk aud; do
  if [ $who = desk ]; then H=("${D[@]}") C=$DCSRF; else H=("${A[@]}") C=$ACSRF; fi
  check_eq "$who: printers list is readable" "$(api GET /api/v1/admin/printers '' "$W/$who"; field printers)" 2002
  check_eq "$who: add a printer 403" "$(api POST /api/v1/admin/printers "{\"name\":\"x$who\",\"uri\":\"$PRN_URI\"}" "$W/$who" "${H[@]}"; field reason)" 403denied
  check_eq "$who: tags 403" "$(api POST /api/v1/admin/printers/lobby/tags '{"tags":"evil"}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: edit 403" "$(api POST /api/v1/admin/printers/lobby/edit '{"location":"evil"}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: edit by the page form 403" "$(api POST /admin/printers/lobby/edit "csrf=$C&location=evil" "$W/$who" "${FORM[@]}")" 403
  check_eq "$who: sees the state" "$(pstate lobby reachable "$W/$who")" yes
  check_eq "$who: the printer page has no edit form" "$(api GET /admin/printers/lobby '' "$W/$who"; has 'id="printer-edit"')$(has 'id="printer-state"')" 20001
  check_eq "$who: remove 403" "$(api DELETE /api/v1/admin/printers/lobby '' "$W/$who" "${H[@]}")" 403
  check_eq "$who: test page 403" "$(api POST /api/v1/admin/printers/lobby/test-page '{}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: page form remove 403" "$(api POST /admin/printers/lobby/delete "csrf=$C" "$W/$who" "${FORM[@]}")" 403
  check_eq "$who: terminal add 403" "$(api POST /api/v1/admin/terminals '{"name":"tx","printer":"lobby"}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: rule add 403" "$(api POST /api/v1/admin/rules '{"line":"evil => refuse"}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: rule remove 403 (page)" "$(api POST /admin/rules/weekend-mail/delete "csrf=$C" "$W/$who" "${FORM[@]}")" 403
  check_eq "$who: the printers page has no change forms" "$(api GET /admin/printers '' "$W/$who"; has 'id="printer-new"')$(has 'class="tags-button"')" 20000
done
check_eq "helpdesk: rules 403" "$(api GET /api/v1/admin/rules '' "$W/desk")" 403
check_eq "auditor: rules readable" "$(api GET /api/v1/admin/rules '' "$W/aud"; field rules)" 2002
check_eq "auditor: dry-run allowed (changes nothing)" "$(api POST /api/v1/admin/rules/dry-run "$DRY" "$W/aud" "${A[@]}")" 200
check_eq "auditor: the rules page has no add form" "$(api GET /admin/rules '' "$W/aud"; has 'id="rule-new"')$(has 'id="dry-run"')" 20001
check_eq "  nothing changed" "$(SNAP)" "$BEFORE"
check_eq "  no audit row of a change" "$(sql "SELECT count(*) FROM audit WHERE action LIKE 'printer.%' OR action LIKE 'rule.%' OR action LIKE 'terminal.%'")" "$NAUD"
check_eq "navigation: admin sees printers, rules, terminals" "$(api GET /admin '' "$W/boss"; has 'id="nav-printers"')$(has 'id="nav-rules"')$(has 'id="nav-terminals"')" 200111
check_eq "navigation: helpdesk printers only" "$(api GET /admin '' "$W/desk"; has 'id="nav-printers"')$(has 'id="nav-rules"')$(has 'id="nav-terminals"')" 200100
check_eq "navigation: auditor printers and rules" "$(api GET /admin '' "$W/aud"; has 'id="nav-printers"')$(has 'id="nav-rules"')$(has 'id="nav-terminals"')" 200110

# ---- terminals -----------------------------------------------------------------------------------------------
check_eq "terminal made by the page: key shown once" "$(api POST /admin/terminals "csrf=$BCSRF&name=t-lobby&printer=lobby" "$W/boss" "${FORM[@]}")" 201
KEY=$(sed -n 's/.*id="terminal-key">\([A-Za-z0-9_-]*\)<.*/\1/p' "$W/out")
check_eq "  43 characters" "${#KEY}" 43
check "  not in the store in plain" sh -c "! grep -qa -- '$KEY' $DB $DB-wal 2>/dev/null"
check_eq "  the list does not show it" "$(api GET /admin/terminals '' "$W/boss"; has "$KEY")$(has 'data-terminal="t-lobby"')" 20001
check "  printgate terminal list has it" sh -c "$PRINTGATE -c $GW_CONF terminal list | grep t-lobby | grep -q lobby"
check_eq "terminal by the API for side" "$(api POST /api/v1/admin/terminals '{"name":"t-side","printer":"side"}' "$W/boss" "${B[@]}")" 201
KEY_SIDE=$(field key)
gw_make_pdf "$W/one.pdf" 1 "Terminal job"
PIN=$(gw pin new alice)
J=$(gw job submit --user alice "$W/one.pdf")
check "alice's job held" sh -c "[ -n '$J' ]"
N1=$(pdfs)
check_eq "the side terminal releases only at side" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN\",\"job\":\"$J\"}" '' -H "Authorization: Bearer $KEY_SIDE"; field printer)" 200side
J2=$(gw job submit --user alice "$W/one.pdf")
check_eq "the lobby terminal releases at lobby" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN\",\"job\":\"$J2\"}" '' -H "Authorization: Bearer $KEY"; field printer)" 200lobby
check "  the printer got both" peers_wait 20 sh -c "[ \$(find '$PRN_DIR' -name '*.pdf' | wc -l) -ge $((N1 + 2)) ]"
check_eq "  the audit says lobby" "$(sql "SELECT printer FROM audit WHERE job_id = '$J2' AND action = 'job.print'")" lobby

# ---- a delegate releases at a terminal (docs/policy.md) -------------------------------------------------------
check "bob and dave" sh -c "$PRINTGATE -c $GW_CONF user add bob && $PRINTGATE -c $GW_CONF user add dave"
PIN_BOB=$(gw pin new bob) PIN_DAVE=$(gw pin new dave)
check "alice names bob her delegate" gw delegate add alice bob
st() { sql "SELECT state FROM jobs WHERE id = '$1'"; }
JD1=$(gw job submit --user alice "$W/one.pdf")
check_eq "dave (no delegate) for alice at the terminal: 403" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN_DAVE\",\"for\":\"alice\",\"job\":\"$JD1\"}" '' -H "Authorization: Bearer $KEY_SIDE"; field error)" \
         '403dave may not release the jobs of "alice": only delegates that user named may (printgate delegate add).'
check_eq "  the job stays held, audited not a delegate" "$(st "$JD1")/$(sql "SELECT actor || ' ' || subject || ' ' || detail FROM audit WHERE action = 'release.refuse' AND actor = 'dave'")" "held/dave alice not a delegate"
check_eq "bob's PIN without for: his own jobs (none): 403" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN_BOB\"}" '' -H "Authorization: Bearer $KEY_SIDE")/$(st "$JD1")" 403/held
N2=$(pdfs)
check_eq "bob (delegate) for alice at the terminal: released" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN_BOB\",\"for\":\"alice\",\"job\":\"$JD1\"}" '' -H "Authorization: Bearer $KEY_SIDE"; field printer)/$(field released)" 200side/1
check "  the printer got it" peers_wait 20 sh -c "[ \$(find '$PRN_DIR' -name '*.pdf' | wc -l) -gt $N2 ]"
check_eq "  audited job.delegate: released by bob for alice at side" "$(sql "SELECT actor || ' ' || subject || ' ' || printer || ' ' || detail FROM audit WHERE action = 'job.delegate' AND job_id = '$JD1'")" "bob alice side released by bob for alice"
JD2=$(gw job submit --user alice "$W/one.pdf")
check "alice drops bob" gw delegate remove alice bob
check_eq "  at once: bob for alice is refused (403), the job stays held" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN_BOB\",\"for\":\"alice\",\"job\":\"$JD2\"}" '' -H "Authorization: Bearer $KEY_SIDE")/$(st "$JD2")" 403/held
check_eq "  alice's own PIN still releases it (positive control)" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN\",\"job\":\"$JD2\"}" '' -H "Authorization: Bearer $KEY_SIDE"; field released)" 2001
check_eq "revoke t-lobby on the page" "$(api POST /admin/terminals/t-lobby/revoke "csrf=$BCSRF" "$W/boss" "${FORM[@]}")" 303
J3=$(gw job submit --user alice "$W/one.pdf")
check_eq "  its key stops" "$(api POST /api/v1/terminal/release "{\"pin\":\"$PIN\",\"job\":\"$J3\"}" '' -H "Authorization: Bearer $KEY")" 401
check_eq "revoke t-side (API)" "$(api DELETE /api/v1/admin/terminals/t-side '' "$W/boss" "${B[@]}")" 200
check_eq "  audited terminal.add x2, terminal.revoke x2" "$(sql "SELECT count(*) FROM audit WHERE action = 'terminal.add'")/$(sql "SELECT count(*) FROM audit WHERE action = 'terminal.revoke'")" 2/2

# ---- QR sheet, removal -------------------------------------------------------------------------------------
check_eq "the QR sheet of lobby" "$(api GET /admin/printers/lobby/qr '' "$W/boss"; has 'id="printer-qr"')" 2001
check "  it names /p/lobby" grep -q "https://127.0.0.1:$GW_PORT/p/lobby" "$W/out"
if command -v zbarimg >/dev/null; then
  sed -n 's/.*id="printer-qr"[^>]*base64,\([^"]*\)".*/\1/p' "$W/out" | base64 -d > "$W/qr.png"
  check_eq "  the QR code decodes to it" "$(zbarimg -q --raw "$W/qr.png")" "https://127.0.0.1:$GW_PORT/p/lobby"
fi
check_eq "remove side (page form)" "$(api POST /admin/printers/side/delete "csrf=$BCSRF" "$W/boss" "${FORM[@]}")" 303
check_eq "  gone" "$(sql "SELECT count(*) FROM printers WHERE name = 'side'")" 0
check_eq "remove a rule (API)" "$(api DELETE /api/v1/admin/rules/weekend-mail '' "$W/boss" "${B[@]}")" 200
check "  gone from rule list" sh -c "! $PRINTGATE -c $GW_CONF rule list | grep -q weekend-mail"

gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
