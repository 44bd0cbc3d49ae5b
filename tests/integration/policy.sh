#!/usr/bin/env bash
# policy.sh - the print policy end to end through printgated and the CLI
# against a real ippeveprinter (docs/policy.md): rules managed with
# `printgate rule`, a group's colour job held as mono (and, as the control,
# the same job without the rule held in colour), a guest's colour job held
# as mono, a rule refusing at submission with its sentence, a quota of 10
# pages a day (10 pages print, the 11th is refused at release and stays
# held with the reason, the printer never gets it), delegation (a delegate
# releases and the audit says "released by X for Y"; a non-delegate and a
# removed delegate cannot), a rule file loaded all-or-nothing, dry-runs
# across midnight.
set -u
export TZ=UTC
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Policy" application/pdf
PRN_DIR=$PEERS_IPP_DIR

gw_start "Retention 1h"
W=$PEERS_DIR

# Documents: black text (N pages), and a colour one (red text on 2 pages).
gw_make_pdf "$W/one.pdf" 1 "One page"
gw_make_pdf "$W/four.pdf" 4 "Four pages"
gw_make_pdf "$W/five.pdf" 5 "Five pages"
gw_make_pdf "$W/six.pdf" 6 "Six pages"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile="$W/colour.pdf" \
   -c "1 1 2 { /Helvetica findfont 36 scalefont setfont 1 0 0 setrgbcolor 72 700 moveto (Colour page) show 0 0 1 setrgbcolor 72 600 300 50 rectfill pop showpage } for" >/dev/null

jobfield() {   # jobfield JOB FIELD
  gw --json job show "$1" | gw_json_field "$2"
}
export -f jobfield gw gw_json_field
export PRINTGATE GW_CONF
printed() {    # files the printer got
  ls "$PRN_DIR"/*.pdf 2>/dev/null | wc -l
}

check "user add alice" gw user add alice
check "user add bob" gw user add bob
check "user add carol" gw user add carol
check "user add dave" gw user add dave
check "user add gus (guest)" gw user add gus --role guest
check "printer add" gw printer add lobby "ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print" --location "Floor 2 lobby"
check "printer tags set" gw printer tags lobby colour,floor2
check "printer tags shown" sh -c "$PRINTGATE -c $GW_CONF printer tags lobby | grep -qx 'colour,floor2'"
out=$(gw printer tags lobby 'bad tag' 2>&1); rc=$?
check "a malformed tag is refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'tags are up to 16'"
check "group add" gw group add students
check "group member" gw group member students carol
check "group list shows the member" sh -c "$PRINTGATE -c $GW_CONF group list | grep -q '^students *carol'"

# ---- Rules through the CLI ----------------------------------------------------
out=$(gw rule add 'broken role=guest => paint-it-blue' 2>&1); rc=$?
check "a malformed rule is refused with what is wrong" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'unknown or malformed action'"
check "rule add students-mono" gw rule add 'students-mono group=students => mono'
check "rule add guests" gw rule add 'guests role=guest => mono quota-pages=10/day'
check "rule add big" gw rule add 'big at=submit pages=5 => refuse="Five-page documents go to the print room."'
out=$(gw rule add 'guests user=x => allow' 2>&1); rc=$?
check "a second rule by the same name is refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'exists'"
check "rule list in order" sh -c "test \"\$($PRINTGATE -c $GW_CONF rule list | cut -d' ' -f1 | tr '\n' ' ')\" = 'students-mono guests big '"
check "rule changes are audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep rule.add | grep -q students-mono"

# ---- At submission ------------------------------------------------------------
# Control: alice is in no group, her colour job is held in colour.
J0=$(gw job submit --user alice "$W/colour.pdf")
check "control: a colour job outside the rules is held in colour" bash -c "[ \"\$(jobfield $J0 color_mode)\" = auto ] && [ \"\$(jobfield $J0 color_pages)\" = 2 ] && [ -z \"\$(jobfield $J0 reason_text)\" ]"
# carol is a student: the same job is held as mono, and the sentence says why.
J1=$(gw job submit --user carol --color-mode color "$W/colour.pdf")
check "a student's colour job is held as mono" bash -c "[ \"\$(jobfield $J1 state)\" = held ] && [ \"\$(jobfield $J1 color_mode)\" = monochrome ]"
check "its reason sentence names the change and the rule" sh -c "$PRINTGATE -c $GW_CONF --json job show $J1 | grep -q 'colour.pdf: Printed in black and white (rule students-mono).'"
# gus is a guest: held as mono.
JG=$(gw job submit --user gus "$W/colour.pdf")
check "a guest's colour job is held as mono" bash -c "[ \"\$(jobfield $JG state)\" = held ] && [ \"\$(jobfield $JG color_mode)\" = monochrome ] && [ \"\$(jobfield $JG color_pages)\" = 2 ]"
# A refusal at submission: the job fails with the rule's sentence.
out=$(gw job submit --user alice "$W/five.pdf" 2>&1); rc=$?
check "a rule refuses a 5-page job at submission" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'policy-refused'"
check "with the rule's sentence" sh -c "echo \"$out\" | grep -q 'five.pdf: refused by the print policy (rule big): Five-page documents go to the print room.'"
check "the refused job left no spool file" sh -c "! ls $GW_STATE/spool/jobs/ | grep -v -e $J0 -e $J1 -e $JG | grep -q ."

# ---- Quota at release: 10 pages a day for guests ---------------------------------
check "gus's quota before: 10 of 10" sh -c "$PRINTGATE -c $GW_CONF quota show gus | grep -q '10 of 10 page(s) left this day (rule guests)'"
JA=$(gw job submit --user gus "$W/four.pdf")
JB=$(gw job submit --user gus "$W/six.pdf")
JC=$(gw job submit --user gus "$W/one.pdf")
check "gus's three jobs held" bash -c "[ \"\$(jobfield $JA state)\" = held ] && [ \"\$(jobfield $JB state)\" = held ] && [ \"\$(jobfield $JC state)\" = held ]"
check "cancel the colour one (not part of the count)" gw job cancel "$JG"
before=$(printed)
check "release 4 pages" gw release --user gus --printer lobby --job "$JA"
check "release 6 more: exactly the quota" gw release --user gus --printer lobby --job "$JB"
check "quota show: 0 of 10 left" sh -c "$PRINTGATE -c $GW_CONF quota show gus | grep -q '0 of 10 page(s) left'"
out=$(gw release --user gus --printer lobby --job "$JC" 2>&1); rc=$?
check "the 11th page is refused at release" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'quota-exceeded'"
check "with a sentence saying what is left" sh -c "echo \"$out\" | grep -q 'one.pdf: not printed: it needs 1 page(s) and gus has 0 of 10 left this day (rule guests)'"
check "the job stays held with the reason" bash -c "[ \"\$(jobfield $JC state)\" = held ] && [ \"\$(jobfield $JC reason)\" = quota-exceeded ]"
sleep 1
check_eq "the printer got the 10 pages, not the 11th" "$(( $(printed) - before ))" 2
check "the refusal is audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep release.refuse | grep -q quota-exceeded"
# Control: with a bigger quota the same job prints.
check "rule remove guests" gw rule remove guests
check "rule add guests with 20/day" gw rule add 'guests role=guest => mono quota-pages=20/day'
check "the held 11th page now prints" gw release --user gus --printer lobby --job "$JC"
check "quota show: 9 of 20 left" sh -c "$PRINTGATE -c $GW_CONF quota show gus | grep -q '9 of 20 page(s) left'"

# ---- Delegation -----------------------------------------------------------------
APIN=$(gw pin new alice); BPIN=$(gw pin new bob); DPIN=$(gw pin new dave)
check "alice names bob her delegate" gw delegate add alice bob
check "delegate list" sh -c "$PRINTGATE -c $GW_CONF delegate list alice | grep -q 'alice *may be released by bob'"
JD1=$(gw job submit --user alice "$W/one.pdf")
out=$(gw release --pin "$DPIN" --printer lobby --for alice --job "$JD1" 2>&1); rc=$?
check "a non-delegate cannot release alice's job" sh -c "test $rc -ne 0 && echo '$out' | grep -q 'dave may not release the jobs of \"alice\"'"
check "alice's job is still held" bash -c "[ \"\$(jobfield $JD1 state)\" = held ]"
check "the refused delegation is audited" sh -c "$PRINTGATE -c $GW_CONF audit | grep release.refuse | grep -q 'not a delegate'"
check "bob releases alice's job with his own PIN" gw release --pin "$BPIN" --printer lobby --for alice --job "$JD1"
check "the audit says released by bob for alice" sh -c "$PRINTGATE -c $GW_CONF audit | grep job.delegate | grep $JD1 | grep -q 'released by bob for alice'"
check "bob's own PIN without --for releases only bob's jobs" sh -c "! $PRINTGATE -c $GW_CONF release --pin $BPIN --printer lobby --job $J0"
check "alice drops bob" gw delegate remove alice bob
JD2=$(gw job submit --user alice "$W/one.pdf")
out=$(gw release --pin "$BPIN" --printer lobby --for alice --job "$JD2" 2>&1); rc=$?
check "a removed delegate cannot release any more" bash -c "test $rc -ne 0 && [ \"\$(jobfield $JD2 state)\" = held ]"
check "alice still releases her own" gw release --pin "$APIN" --printer lobby --job "$JD2"

# ---- A rule file, all or nothing ---------------------------------------------------
cat > "$W/rules.txt" <<'EOF'
# Night printing needs the print room (a window across midnight).
night time=22:00-06:00 days=mon-fri => refuse="No printing at night; use the print room."
colour-floor2 tag=colour location=Floor* user=alice => duplex watermark
EOF
printf 'ok-one user=alice => allow\nbad pages=abc => allow\n' > "$W/bad-rules.txt"
out=$(gw rule load "$W/bad-rules.txt" 2>&1); rc=$?
check "a rule file with a bad line is refused with its line" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'line 2'"
check "and nothing changed" sh -c "$PRINTGATE -c $GW_CONF rule list | grep -q '^students-mono'"
check "rule load" sh -c "$PRINTGATE -c $GW_CONF rule load $W/rules.txt | grep -q '2 rule(s) loaded'"
check "the file's rules replaced the others" sh -c "test \"\$($PRINTGATE -c $GW_CONF rule list | cut -d' ' -f1 | tr '\n' ' ')\" = 'night colour-floor2 '"
# Monday 2025-12-01 23:30 UTC; Tuesday 03:00 (Monday's night); Monday noon;
# Saturday 23:30; Saturday 03:00 (Friday's night); Monday 03:00 (Sunday's).
out=$(gw rule dry-run --user alice --time 1764631800 --pages 2)
check "dry-run: Monday 23:30 is refused" sh -c "echo \"$out\" | grep -q 'refused.*No printing at night'"
out=$(gw rule dry-run --user alice --time 1764644400 --pages 2)
check "dry-run: Tuesday 03:00 is still Monday's night" sh -c "echo \"$out\" | grep -q '^refused'"
out=$(gw rule dry-run --user alice --time 1764590400 --pages 2)
check "dry-run: Monday noon is allowed" sh -c "echo \"$out\" | grep -q '^allowed'"
out=$(gw rule dry-run --user alice --time 1765063800 --pages 2)
check "dry-run: Saturday 23:30 is allowed (weekdays only)" sh -c "echo \"$out\" | grep -q '^allowed'"
out=$(gw rule dry-run --user alice --time 1764990000 --pages 2)
check "dry-run: Saturday 03:00 is Friday's night, refused" sh -c "echo \"$out\" | grep -q '^refused'"
out=$(gw rule dry-run --user alice --time 1764558000 --pages 2)
check "dry-run: Monday 03:00 is Sunday's night, allowed" sh -c "echo \"$out\" | grep -q '^allowed'"
out=$(gw rule dry-run --user alice --time 1764590400 --pages 2 --printer lobby)
check "dry-run at a tagged printer: duplex and watermark" sh -c "echo \"$out\" | grep -q 'Printed two-sided (rule colour-floor2). Printed with a watermark (rule colour-floor2).'"
out=$(gw --json rule dry-run --user bob --time 1764590400 --pages 2 --printer lobby)
check "dry-run for another user: no change" bash -c 'grep -q "\"allowed\": true" <<<"$1" && grep -q "\"matched\": 0" <<<"$1"' _ "$out"
out=$(gw rule dry-run --user nobody 2>&1); rc=$?
check "dry-run of an unknown user is refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'no such user'"

gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
