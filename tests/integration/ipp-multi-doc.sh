#!/usr/bin/env bash
# ipp-multi-doc.sh - jobs with several documents (issue 11: "Send-Document
# (multi-document jobs become one held job)"), with ipptool and the raw
# client:
#  1. Create-Job, then a 2-page PDF, a JPEG and a 3-page text file, each
#     with its own Send-Document (last-document false, false, true): one
#     job, held for the authenticated user with 6 pages (their order in
#     the merged PDF: unit/test-convert-multi); Get-Job-Attributes says pending-held with job-impressions 6;
#  2. a damaged PDF as the second of three documents: the job is aborted
#     with a job-state-message naming "document 2 of 3"; nothing held;
#  3. Close-Job ends a job waiting for its next document with the
#     documents it has (held, 2 pages); Close-Job of a job with none
#     aborts it;
#  4. the next document late (PRINTGATE_TEST_IPP_OPEN_TIMEOUT=15 s here,
#     60 s by default): the job is aborted (interrupted), and the late
#     Send-Document is refused;
#  5. another user's Send-Document into the job is refused (not found),
#     and the job still takes its owner's documents;
#  6. MaxDocumentSize counts all of a job's documents together: the
#     document that passes it is refused (too large) and the job fails;
#  7. a Send-Document after the last one is refused;
#  8. a client that drops its connection in the middle of the second
#     document: the job is aborted (interrupted), nothing held, and the
#     gateway goes on serving;
#  9. at most 100 documents: the 101st is refused and the job fails;
# 10. two Send-Documents into one job at once: the second is refused (the
#     job is not waiting), the first goes on, and the job is held whole;
# 11. a policy rule about one format sees it inside a job of several
#     documents: "format=jpeg => refuse" refuses a PDF + JPEG job with the
#     rule's sentence (policy-refused), while a PDF + text job is held
#     (control), and so is a single JPEG once the rule is removed;
# 12. kill -9 while a job of two documents converts (the second a
#     PostScript loop): after the restart (with ConversionTimeout 5s) the
#     conversion runs again from the framed original and ends by the
#     conversion timeout, not as an unreadable or unknown document.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
export PRINTGATE_TEST_IPP_OPEN_TIMEOUT=15   # long enough for a loaded CI between two clients of one job (3 s was not: the kill -9 case failed there)
gw_start "MaxDocumentSize 400k"
gw user add alice >/dev/null
gw user add bob >/dev/null
PW=$(gw user password alice | tail -1)
BPW=$(gw user password bob | tail -1)
URI="ipps://alice:$PW@localhost:$GW_PORT/ipp/print"

gw_make_pdf "$W/two.pdf" 2 "First document"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r40 -dFirstPage=1 -dLastPage=1 -sOutputFile="$W/photo.jpg" "$W/two.pdf"
printf 'Page one\n\fPage two\n\fLast document, page three\n' > "$W/three.txt"
printf '%%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nnot a PDF at all\n%%%%EOF\n' > "$W/broken.pdf"
job_line() {   # job_line NAME: alice's job of that name (job list)
  "$PRINTGATE" -c "$GW_CONF" job list --user "${2:-alice}" | awk -v n="$1" '$NF == n'
}
# The raw client as alice: create NAME prints the job-id; send ID [options] the answer.
create() { $IPC "$GW_PORT" create --auth "alice:$PW" --job-attr "job-name:name:$1" | sed -n 's/.*job-id=\([0-9]*\).*/\1/p'; }
send() { local id=$1; shift; $IPC "$GW_PORT" send --auth "alice:$PW" --job-id "${id:-0}" "$@"; }
job_ends() {   # job_ends NAME "held N" | failed | REASON: wait (60 s) until alice's job NAME is so
  local want=$2
  case $want in
    held*)  peers_wait 60 sh -c "$PRINTGATE -c $GW_CONF job list --user alice | awk '\$NF == \"$1\" {print \$3, \$4}' | grep -qx '$want'" ;;
    failed) peers_wait 60 sh -c "$PRINTGATE -c $GW_CONF job list --user alice | awk '\$NF == \"$1\"' | grep -q ' failed '" ;;
    *)      peers_wait 60 sh -c "$PRINTGATE -c $GW_CONF job show \$($PRINTGATE -c $GW_CONF job list --user alice | awk '\$NF == \"$1\" {print \$1}') | grep -q '$want'" ;;
  esac
}

# ---- 1. three documents, one held job -------------------------------------------
send_doc() {   # send_doc NAME FILE FORMAT LAST: an ipptool Send-Document test
  peers_ipp_request "$1" Send-Document
  cat <<EOF
  ATTR integer job-id \$job-id
  ATTR name requesting-user-name "alice"
  ATTR mimeMediaType document-format $3
  ATTR boolean last-document $4
  FILE $2
  STATUS successful-ok
  EXPECT job-id OF-TYPE integer
}
EOF
}
create_job() {   # create_job JOB-NAME
  peers_ipp_request "Create-Job $1" Create-Job
  cat <<EOF
  ATTR name requesting-user-name "alice"
  GROUP job-attributes-tag
  ATTR name job-name "$1"
  STATUS successful-ok
  EXPECT job-id OF-TYPE integer
}
EOF
}
wait_state() {   # wait_state STATE [EXPECT lines...]: Get-Job-Attributes until the job is in STATE (4 pending-held, 8 aborted)
  peers_ipp_request "the job's state becomes $1" Get-Job-Attributes
  cat <<EOF
  ATTR integer job-id \$job-id
  ATTR name requesting-user-name "alice"
  STATUS successful-ok
  DELAY "0,1"
  EXPECT job-state OF-TYPE enum IN-GROUP job-attributes-tag COUNT 1 WITH-VALUE $1 REPEAT-NO-MATCH REPEAT-LIMIT 120
EOF
  shift
  printf '  %s\n' "$@"
  echo "}"
}
{
  create_job three-docs
  send_doc "Send-Document: a 2-page PDF, more to come" "$W/two.pdf" application/pdf false
  send_doc "Send-Document: a JPEG, more to come" "$W/photo.jpg" image/jpeg false
  send_doc "Send-Document: a 3-page text, the last" "$W/three.txt" text/plain true
  wait_state 4 'EXPECT job-impressions WITH-VALUE 6' 'EXPECT job-state-reasons WITH-VALUE job-hold-until-specified'
} > "$W/three.test"
check "ipptool: Create-Job and three Send-Documents, held with 6 pages" \
  sh -c "timeout 200 ipptool -t '$URI' '$W/three.test' > '$W/three.out' 2>&1"
grep -E '\[(PASS|FAIL)\]|EXPECTED|GOT' "$W/three.out" | sed 's/^/    /'
check_eq "one job three-docs, held, 6 pages" "$(job_line three-docs | awk '{print $3, $4}')" "held 6"
check "the log says 3 documents merged" grep -q "3 documents merged" "$GW_LOG"

# ---- 2. a damaged document among three --------------------------------------------
{
  create_job with-broken
  send_doc "Send-Document: a PDF" "$W/two.pdf" application/pdf false
  send_doc "Send-Document: a damaged PDF" "$W/broken.pdf" application/pdf false
  send_doc "Send-Document: a text, the last" "$W/three.txt" text/plain true
  wait_state 8 'EXPECT job-state-message WITH-VALUE "/document 2 of 3/"'
} > "$W/broken.test"
check "ipptool: a damaged second document aborts the job, naming it" \
  sh -c "timeout 200 ipptool -t '$URI' '$W/broken.test' > '$W/broken.out' 2>&1"
grep -E '\[(PASS|FAIL)\]|EXPECTED|GOT' "$W/broken.out" | sed 's/^/    /'
check "with-broken failed, nothing held" sh -c "job_line() { $PRINTGATE -c $GW_CONF job list --user alice | awk -v n=\"\$1\" '\$NF == n'; }; job_line with-broken | grep -q ' failed ' && ! job_line with-broken | grep -q ' held '"

# ---- 3. Close-Job ---------------------------------------------------------------------
{
  create_job closed-early
  send_doc "Send-Document: a PDF, more to come" "$W/two.pdf" application/pdf false
  peers_ipp_request "Close-Job" Close-Job
  cat <<'EOF'
  ATTR integer job-id $job-id
  ATTR name requesting-user-name "alice"
  STATUS successful-ok
}
EOF
  wait_state 4 'EXPECT job-impressions WITH-VALUE 2'
} > "$W/close.test"
check "ipptool: Close-Job after one of several documents: held with its 2 pages" \
  sh -c "timeout 200 ipptool -t '$URI' '$W/close.test' > '$W/close.out' 2>&1"
grep -E '\[(PASS|FAIL)\]|EXPECTED|GOT' "$W/close.out" | sed 's/^/    /'
CJ=$(create closed-empty)
out=$($IPC "$GW_PORT" close --auth "alice:$PW" --job-id "${CJ:-0}")
check "Close-Job of a job with no document: answered" sh -c "echo '$out' | grep -q 'IPP 0x0000'"
check "... and the job is failed (empty)" job_ends closed-empty failed

# ---- 4. the next document late ---------------------------------------------------------
SJ=$(create too-slow)
out=$(send "$SJ" --more --document "$W/two.pdf")
gja=$($IPC "$GW_PORT" gja --auth "alice:$PW" --job-id "${SJ:-0}")
check "between documents Get-Job-Attributes says pending (job-incoming)" sh -c "echo '$gja' | grep -q 'job-state=3'"
check "a first document, more to come: answered" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id=$SJ'"
check "no next document within the timeout: the job fails (interrupted)" \
  job_ends too-slow interrupted
out=$(send "$SJ" --document "$W/three.txt")
check "the late Send-Document is refused (not possible)" sh -c "echo '$out' | grep -q 'IPP 0x0404'"

# ---- 5. another user's Send-Document ----------------------------------------------------
AJ=$(create not-bobs)
out=$(send "$AJ" --more --document "$W/two.pdf")
out=$($IPC "$GW_PORT" send --auth "bob:$BPW" --job-id "${AJ:-0}" --more --document "$W/three.txt")
check "bob's Send-Document into alice's job: not found" sh -c "echo '$out' | grep -q 'IPP 0x0406'"
out=$(send "$AJ" --document "$W/photo.jpg")
check "alice's last document: answered" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id=$AJ'"
check "not-bobs held for alice with 3 pages (bob's text not in it)" \
  job_ends not-bobs "held 3"
check "nothing held for bob" sh -c "! $PRINTGATE -c $GW_CONF job list --user bob | grep -q held"

# ---- 6. MaxDocumentSize for all the documents ---------------------------------------------
head -c 300000 /dev/zero | tr '\0' 'a' | fold -w 70 > "$W/big1.txt"
cp "$W/big1.txt" "$W/big2.txt"
BJ=$(create too-big)
out=$(send "$BJ" --more --document "$W/big1.txt")
check "300 KB of a 400 KB limit: answered" sh -c "echo '$out' | grep -q 'IPP 0x0000'"
out=$(send "$BJ" --document "$W/big2.txt")
echo "    $out"
check "300 KB more: refused as too large" sh -c "echo '$out' | grep -q 'IPP 0x0408'"
check "too-big failed (too-large)" job_ends too-big too-large

# ---- 7. after the last document --------------------------------------------------------------
LJ=$(create after-last)
send "$LJ" --document "$W/two.pdf" >/dev/null
out=$(send "$LJ" --document "$W/three.txt")
check "a Send-Document after the last one: refused (not possible)" sh -c "echo '$out' | grep -q 'IPP 0x0404'"
check "after-last held with its one document (2 pages)" \
  job_ends after-last "held 2"

# ---- 8. a dropped connection in the middle of the second document ----------------------------
DJ=$(create dropped)
send "$DJ" --more --document "$W/two.pdf" >/dev/null
send "$DJ" --more --document "$W/big1.txt" --stop-after 50000 >/dev/null 2>&1
check "dropped: the job fails (interrupted), nothing held" \
  job_ends dropped failed
check "the gateway still answers" sh -c "$IPC $GW_PORT gpa | grep -q 'IPP 0x0000'"

# ---- 9. at most 100 documents ------------------------------------------------------------------
printf 'One line\n' > "$W/line.txt"
HJ=$(create hundred)
ok=0
for i in $(seq 1 100); do
  send "$HJ" --more --document "$W/line.txt" | grep -q 'IPP 0x0000' && ok=$((ok + 1))
done
check_eq "100 documents answered" "$ok" 100
out=$(send "$HJ" --document "$W/line.txt")
echo "    $out"
check "the 101st is refused, saying the limit" sh -c "echo '$out' | grep -q 'at most 100 documents'"
check "hundred failed" job_ends hundred failed

# ---- 10. two Send-Documents at once -------------------------------------------------------------
PJ=$(create at-once)
send "$PJ" --more --document "$W/two.pdf" --rate 2000 > "$W/slow.out" 2>&1 &
SLOW=$!
peers_track "$SLOW"
sleep 1
out=$(send "$PJ" --more --document "$W/three.txt")
check "a second Send-Document while the first streams: refused (not possible)" sh -c "echo '$out' | grep -q 'IPP 0x0404'"
wait "$SLOW"
check "the first one goes on and is answered" grep -q "IPP 0x0000 job-id=$PJ" "$W/slow.out"
out=$(send "$PJ" --document "$W/photo.jpg")
check "then the last document: answered" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id=$PJ'"
check "at-once held with 3 pages (the refused text not in it)" \
  job_ends at-once "held 3"

# ---- 11. a policy rule about one format ----------------------------------------------------------
check "rule add: no photos from IPP" gw rule add 'photos at=submit intake=ipp format=jpeg => refuse="Photos are printed at the service desk."'
RJ=$(create pdf-and-photo)
out=$(send "$RJ" --more --document "$W/two.pdf"; send "$RJ" --document "$W/photo.jpg")
check "pdf-and-photo: both documents answered" test "$(echo "$out" | grep -c "IPP 0x0000 job-id=$RJ")" -eq 2
check "pdf-and-photo refused by the rule (policy-refused, its sentence)" job_ends pdf-and-photo "service desk"
OJ=$(create pdf-and-text)
out=$(send "$OJ" --more --document "$W/two.pdf"; send "$OJ" --document "$W/three.txt")
check "control: pdf-and-text held (5 pages)" job_ends pdf-and-text "held 5"
check "rule remove photos" gw rule remove photos
QJ=$(create photo-again)
out=$(send "$QJ" --more --document "$W/photo.jpg"; send "$QJ" --document "$W/three.txt")
check "control: without the rule a JPEG + text job is held (4 pages)" job_ends photo-again "held 4"

# ---- 12. kill -9 during the conversion of a framed original -----------------------------------
KJ=$(create crashed)
send "$KJ" --more --document "$W/two.pdf" >/dev/null
out=$(send "$KJ" --document "$GW_SOURCE_DIR/tests/data/convert/endless-loop.ps")
check "a PDF and a PostScript loop: answered ($(echo $out | head -c 300))" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id=$KJ'"
check "its conversion runs" peers_wait 20 sh -c "$PRINTGATE -c $GW_CONF job list --user alice | awk '\$NF == \"crashed\"' | grep -q ' converting '"
sleep 1
kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null
# The retry gets a short ConversionTimeout, so the loop ends soon; only it:
# under ASan on a loaded CI a PDF and a JPEG took 4.8 s to convert.
echo "ConversionTimeout 5s" >> "$GW_CONF"
gw_restart
check "after the restart the conversion runs again from the framed original" grep -q "recovery: it was converting" "$GW_LOG"
check "... which waited in the intake ring (a small original has no file: docs/spool-format.md)" grep -q "Recovery: 1 document(s) wait in the intake ring" "$GW_LOG"
check "... and ends by the timeout (conversion-timeout), not as unreadable" \
  job_ends crashed conversion-timeout
gw_stop TERM
sed -i '/^ConversionTimeout 5s$/d' "$GW_CONF"
gw_restart
NJ=$(create after-crash)
out=$(send "$NJ" --more --document "$W/two.pdf"; send "$NJ" --document "$W/three.txt")
check "a new job of two documents after the restart: both answered" test "$(echo "$out" | grep -c "IPP 0x0000 job-id=$NJ")" -eq 2
check "... and held with 5 pages" job_ends after-crash "held 5"

gw_finish
