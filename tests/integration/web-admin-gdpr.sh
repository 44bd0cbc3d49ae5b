#!/usr/bin/env bash
# web-admin-gdpr.sh - the console's GDPR tools (docs/gdpr.md, docs/admin.md)
# with curl against printgated: a user's export as JSON (page link and API)
# holds its job; restriction from the page refuses the user's next job with
# the reason and lifting it lets one in; erasure needs the user's name typed
# (nothing erased without it, or with another name), then the user row is
# erased-<id>, its jobs are gone and its audit rows name the pseudonym;
# helpdesk may export (the core's call) but gets 403 on restrict and erase,
# the auditor on all three; neither sees the change forms; every
# change is audited by the admin.
set -u
export TZ=UTC
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR

gw_start
BASE="https://127.0.0.1:$GW_PORT"
DB="$GW_STATE/printgate.db"
. "$GW_SOURCE_DIR/tests/lib/web-client.sh"
. "$GW_SOURCE_DIR/tests/lib/web-admin-client.sh"
sql() { sqlite3 "$DB" "$1"; }
has() { grep -c -- "$1" "$W/out" | tr -d '\n'; }
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')

console_trio
check "alice" gw user add alice --email alice@example.test
gw_make_pdf "$W/one.pdf" 1 "GDPR job"
J=$(gw job submit --user alice "$W/one.pdf")
check "alice has a job" test -n "$J"
ALICE_ID=$(sql "SELECT id FROM users WHERE name = 'alice'")

# ---- export ------------------------------------------------------------------------------------------------
check_eq "the user page offers export, restrict, erase (boss)" "$(api GET /admin/users/alice '' "$W/boss"; has 'id="user-export"')$(has 'id="user-restrict"')$(has 'id="user-erase"')" 200111
check_eq "export by the page link: JSON with alice's job" "$(api GET /admin/users/alice/export '' "$W/boss"; python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["user"]["name"], [j["id"] for j in e["jobs"]] == [sys.argv[2]])' "$W/out" "$J")" "200alice True"
check_eq "export by the API" "$(api GET /api/v1/admin/users/alice/export '' "$W/boss"; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["name"])' "$W/out")" 200alice
check_eq "  audited user.export by boss" "$(sql "SELECT count(*) FROM audit WHERE action = 'user.export' AND actor = 'boss'")" 2
check_eq "export of an unknown user: 404" "$(api GET /api/v1/admin/users/nobody/export '' "$W/boss")" 404

# ---- roles ---------------------------------------------------------------------------------------------------
NAUD=$(sql "SELECT count(*) FROM audit")
for who in desk aud; do
  if [ $who = desk ]; then H=("${D[@]}") C=$DCSRF; else H=("${A[@]}") C=$ACSRF; fi
  if [ $who = desk ]; then
    check_eq "desk: export allowed (helpdesk: right of access requests)" "$(api GET /api/v1/admin/users/alice/export '' "$W/$who")" 200
  else
    check "aud: export refused (no body)" sh -c "[ \"\$(curl -sk -o $W/out -w '%{http_code}' -b $W/aud $BASE/api/v1/admin/users/alice/export)\" -ge 400 ] && ! grep -q '\"jobs\"' $W/out"
  fi
  check_eq "$who: restrict 403" "$(api POST /api/v1/admin/users/alice/restrict '{"reason":"x"}' "$W/$who" "${H[@]}")" 403
  check_eq "$who: erase 403 (page form)" "$(api POST /admin/users/alice/erase "csrf=$C&confirm=alice" "$W/$who" "${FORM[@]}")" 403
  check_eq "$who: erase 403 (API)" "$(api POST /api/v1/admin/users/alice/erase '{"confirm":"alice"}' "$W/$who" "${H[@]}")" 403
done
check_eq "helpdesk: the user page has the export link only" "$(api GET /admin/users/alice '' "$W/desk"; has 'id="user-erase"')$(has 'id="user-restrict"')$(has 'id="user-export"')" 200001
check_eq "  nothing changed: alice, her job, not restricted" "$(sql "SELECT name || restricted FROM users WHERE id = $ALICE_ID")/$(sql "SELECT count(*) FROM jobs WHERE owner = 'alice'")" "alice0/1"
check_eq "  no audit row of a change" "$(sql "SELECT count(*) FROM audit WHERE action IN ('user.erase', 'user.restrict', 'user.unrestrict') AND actor != 'boss'")" 0

# ---- restrict ----------------------------------------------------------------------------------------------------
check_eq "restrict by the page form" "$(api POST /admin/users/alice/restrict "csrf=$BCSRF&on=on&reason=Art.+18+request+7" "$W/boss" "${FORM[@]}")" 303
check "  alice's next job is refused with the reason" sh -c "! $PRINTGATE -c $GW_CONF job submit --user alice $W/one.pdf > $W/r.out 2>&1 && grep -q 'Art. 18 request 7' $W/r.out"
check_eq "  the page says restricted" "$(api GET /admin/users/alice '' "$W/boss"; has 'id="restricted"')" 2001
check_eq "lift it (API)" "$(api POST /api/v1/admin/users/alice/restrict '{"on":"off"}' "$W/boss" "${B[@]}")" 200
J2=$(gw job submit --user alice "$W/one.pdf")
check "  a job is taken again" test -n "$J2"

# ---- erase -------------------------------------------------------------------------------------------------------
check_eq "erase without the name typed: 400" "$(api POST /admin/users/alice/erase "csrf=$BCSRF" "$W/boss" "${FORM[@]}")" 400
check_eq "erase with another name typed: 400" "$(api POST /api/v1/admin/users/alice/erase '{"confirm":"bob"}' "$W/boss" "${B[@]}"; field reason)" 400confirm
check_eq "  nothing erased" "$(sql "SELECT name FROM users WHERE id = $ALICE_ID")/$(sql "SELECT count(*) FROM jobs WHERE owner = 'alice'")" "alice/2"
check_eq "boss cannot erase himself" "$(api POST /api/v1/admin/users/boss/erase '{"confirm":"boss"}' "$W/boss" "${B[@]}")" 400
check_eq "erase by the page form, name typed" "$(api POST /admin/users/alice/erase "csrf=$BCSRF&confirm=alice" "$W/boss" "${FORM[@]}"; sed -n 's/.*id="pseudonym">\([^<]*\)<.*/\1/p' "$W/out")" "200erased-$ALICE_ID"
check_eq "  the user row is the pseudonym, jobs gone" "$(sql "SELECT name FROM users WHERE id = $ALICE_ID")/$(sql "SELECT count(*) FROM jobs WHERE owner = 'alice' OR id IN ('$J', '$J2')")" "erased-$ALICE_ID/0"
check_eq "  no audit row names alice" "$(sql "SELECT count(*) FROM audit WHERE actor = 'alice' OR subject = 'alice' OR detail LIKE '%alice%'")" 0
check_eq "  her rows are kept under erased-$ALICE_ID" "$(sql "SELECT count(*) > 0 FROM audit WHERE subject = 'erased-$ALICE_ID' AND action = 'job.submit'")" 1
check_eq "  audited user.erase by boss" "$(sql "SELECT actor || ' ' || subject FROM audit WHERE action = 'user.erase'")" "boss erased-$ALICE_ID"
check_eq "erase again: 404" "$(api POST /api/v1/admin/users/alice/erase '{"confirm":"alice"}' "$W/boss" "${B[@]}")" 404

gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
