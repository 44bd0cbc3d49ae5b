#!/usr/bin/env bash
# release-render.sh - release-time rendering end to end, through printgated
# and printgate-convert --render, against real ippeveprinter peers:
# page ranges and N-up reach a PDF printer as fewer pages, a PWG-only and a
# URF-only printer get valid 8-bit raster with the right page count, a
# printer without any format Printgate renders keeps the job held, the
# watermark shows the job id, and bad page ranges are refused at submission.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG PDF" application/pdf
PDF_PORT=$PEERS_IPP_PORT PDF_DIR=$PEERS_IPP_DIR
peers_start_ippeveprinter "PG PWG" image/pwg-raster
PWG_PORT=$PEERS_IPP_PORT PWG_DIR=$PEERS_IPP_DIR
peers_start_ippeveprinter "PG URF" image/urf
URF_PORT=$PEERS_IPP_PORT URF_DIR=$PEERS_IPP_DIR
peers_start_ippeveprinter "PG Text" text/plain
TXT_PORT=$PEERS_IPP_PORT

gw_start
W=$PEERS_DIR
RASTER_INFO="$GW_TOOLS/gw-raster-info"

gw_make_pdf "$W/five.pdf" 5 "Five pages"
gw_make_pdf "$W/ten.pdf" 10 "Ten pages"
gw_make_pdf "$W/three.pdf" 3 "Three pages"

check "user add" gw user add alice
check "printer add pdf" gw printer add pdf "ipp://127.0.0.1:$PDF_PORT/ipp/print"
check "printer add pwg" gw printer add pwg "ipp://127.0.0.1:$PWG_PORT/ipp/print"
check "printer add urf" gw printer add urf "ipp://127.0.0.1:$URF_PORT/ipp/print"
check "printer add text" gw printer add text "ipp://127.0.0.1:$TXT_PORT/ipp/print"

# newest DIR EXT: the document ippeveprinter kept last (-k; the .prn files
# next to them are its print command's empty output)
newest() { ls -t "$1"/*."$2" 2>/dev/null | head -1; }
pdf_pages() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }

# Bad page ranges and number-up are refused with a reason, before anything is stored.
for bad in "3-2" "5,1-3" "0" "1-" "2-3,,5" "a-b" "1-3,3" "$(seq -s, 1 2 70)"; do
  out=$(gw job submit --user alice --pages "$bad" "$W/five.pdf" 2>&1); rc=$?
  check "page ranges '$bad' refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'The page ranges cannot be used: '"
done
out=$(gw job submit --user alice --pages 5-3 "$W/five.pdf" 2>&1)
check "the reason says what to write" sh -c "echo \"$out\" | grep -q 'write 3-5, not 5-3'"
for bad in 3 0 32 x; do
  out=$(gw job submit --user alice --number-up "$bad" "$W/five.pdf" 2>&1); rc=$?
  check "number-up '$bad' refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'must be 1, 2, 4, 6, 9 or 16'"
done
check "refusals stored nothing" sh -c "test -z \"\$(find $GW_STATE/spool -name '*.pgs' -type f)\""

# Page ranges 2-3 of a 5-page job: the PDF printer gets 2 pages, pages 2 and 3.
JOB=$(gw job submit --user alice --pages 2-3 "$W/five.pdf")
check "job show has the page ranges" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"page_ranges\": \"2-3\"'"
check "job list shows them" sh -c "$PRINTGATE -c $GW_CONF job list | grep $JOB | grep -q '\\[pages 2-3\\]'"
check "held document is the whole PDF (5 pages)" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"pages\": 5'"
check "release 2-3" gw release --user alice --printer pdf --job "$JOB"
GOT=$(newest "$PDF_DIR" pdf)
check_eq "pages 2-3 of 5: the printer got 2 pages" "$(pdf_pages "$GOT")" 2
check "they are pages 2 and 3" sh -c "pdftotext '$GOT' - | tr -s ' \n' ' ' | grep -q 'page 2 .*page 3' && ! pdftotext '$GOT' - | grep -Eq 'page (1|4|5)\$'"

# 2-up: 10 pages on 5 sides; 4-up with ranges: pages 1-6,9 (7 pages) on 2 sides.
JOB=$(gw job submit --user alice --number-up 2 "$W/ten.pdf")
check "job list shows 2-up" sh -c "$PRINTGATE -c $GW_CONF job list | grep $JOB | grep -q '\\[2-up\\]'"
check "release 2-up" gw release --user alice --printer pdf --job "$JOB"
check_eq "2-up: 10 pages become 5" "$(pdf_pages "$(newest "$PDF_DIR" pdf)")" 5
JOB=$(gw job submit --user alice --number-up 4 --pages 1-6,9 "$W/ten.pdf")
check "release 4-up of 7 pages" gw release --user alice --printer pdf --job "$JOB"
check_eq "4-up of 7 selected pages: 2 sides" "$(pdf_pages "$(newest "$PDF_DIR" pdf)")" 2
check "a rendered job's log line says so (with its id and owner)" grep -q "Job $JOB of alice: rendered for 'pdf' as application/pdf: 2 page(s)" "$GW_LOG"

# A job without page ranges, N-up or watermark reaches a PDF printer byte for byte.
JOB=$(gw job submit --user alice "$W/three.pdf")
check "release plain" gw release --user alice --printer pdf --job "$JOB"
check "a plain job gets the held PDF" gw_same_pdf "$W/three.pdf" "$(newest "$PDF_DIR" pdf)"
check "a plain job is not rendered" sh -c "grep -q 'Job $JOB of alice: printed on pdf (3 page(s),' '$GW_LOG' && ! grep -q 'Job $JOB of alice: render' '$GW_LOG'"

# Changed at the printer, for this release only: --pages / --number-up.
JOB=$(gw job submit --user alice --pages 2-3 "$W/ten.pdf")
out=$(gw release --user alice --printer pdf --job "$JOB" --pages 3-1 2>&1); rc=$?
check "release --pages 3-1 refused with the reason" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'must not end before it starts'"
out=$(gw release --user alice --printer pdf --job "$JOB" --number-up 5 2>&1); rc=$?
check "release --number-up 5 refused" sh -c "test $rc -ne 0 && echo \"$out\" | grep -q 'must be 1, 2, 4, 6, 9 or 16'"
check "the job is still held after the refusals" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"state\": \"held\"'"
check "release --pages 1-8 --number-up 4" gw release --user alice --printer pdf --job "$JOB" --pages 1-8 --number-up 4
check_eq "pages 1-8 4-up: 2 sides" "$(pdf_pages "$(newest "$PDF_DIR" pdf)")" 2
JOB=$(gw job submit --user alice --pages 2-3 --number-up 2 "$W/ten.pdf")
check "release --pages all --number-up 1" gw release --user alice --printer pdf --job "$JOB" --pages all --number-up 1
check_eq "all pages, one per side: 10" "$(pdf_pages "$(newest "$PDF_DIR" pdf)")" 10

# Page ranges past the end of the document: held with a reason.
JOB=$(gw job submit --user alice --pages 7-9 "$W/five.pdf")
out=$(gw release --user alice --printer pdf --job "$JOB" 2>&1)
check "ranges past the end: held, empty-document" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"state\": \"held\"' && $PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"reason\": \"empty-document\"'"
check "ranges past the end: the sentence says why" sh -c "echo \"$out\" | grep -q 'select no page of this 5-page document'"
check "cancel it" gw job cancel "$JOB"

# A PWG-raster-only printer gets 8-bit raster, the right number of pages.
check "printer check says it renders" sh -c "$PRINTGATE -c $GW_CONF printer check pwg | grep -q 'image/pwg-raster (rendered at release'"
JOB=$(gw job submit --user alice "$W/three.pdf")
check "release to the PWG printer" gw release --user alice --printer pwg --job "$JOB"
GOT=$(newest "$PWG_DIR" pwg)
info=$("$RASTER_INFO" "$GOT" 2>&1); rc=$?
echo "$info" | tail -2
check "PWG: the whole file decodes" test $rc -eq 0
check "PWG: 3 pages" sh -c "echo \"$info\" | grep -q 'type=pwg pages=3'"
check "PWG: 8 bits per colour in sGray or sRGB" sh -c "! echo \"$info\" | grep '^page=' | grep -Ev 'bits_per_color=8 colors=(1 space=sgray|3 space=srgb)'"
JOB=$(gw job submit --user alice --color-mode monochrome --pages 2 "$W/three.pdf")
check "release monochrome page 2 to the PWG printer" gw release --user alice --printer pwg --job "$JOB"
info=$("$RASTER_INFO" "$(newest "$PWG_DIR" pwg)" 2>&1)
check "PWG monochrome: 1 page of 8-bit sGray" sh -c "echo \"$info\" | grep -q 'type=pwg pages=1' && echo \"$info\" | grep -q 'bits_per_color=8 colors=1 space=sgray'"

# A URF-only printer: 8-bit URF with the page count in its header.
JOB=$(gw job submit --user alice --number-up 2 "$W/five.pdf")
check "release 2-up to the URF printer" gw release --user alice --printer urf --job "$JOB"
info=$("$RASTER_INFO" "$(newest "$URF_DIR" urf)" 2>&1); rc=$?
echo "$info" | tail -1
check "URF: decodes, 3 pages (5 pages 2-up), header says 3" sh -c "test $rc -eq 0 && echo \"$info\" | grep -q 'type=urf pages=3 announced=3'"
check "URF: 8 bits per colour" sh -c "! echo \"$info\" | grep '^page=' | grep -v 'bits_per_color=8'"

# A printer that takes nothing Printgate renders keeps the job held.
JOB=$(gw job submit --user alice "$W/three.pdf")
out=$(gw release --user alice --printer text --job "$JOB" 2>&1)
check "text-only printer: held, printer-format-unsupported" sh -c "$PRINTGATE -c $GW_CONF --json job show $JOB | grep -q '\"reason\": \"printer-format-unsupported\"'"
check "text-only printer: the sentence names the formats" sh -c "echo \"$out\" | grep -q 'cannot take PDF, PWG raster, URF or PCL-XL (it takes text/plain)'"
check "cancel it" gw job cancel "$JOB"

# Watermark: user, date and job id on every page.
echo "Watermark on" >> "$GW_CONF"; gw_reload
JOB=$(gw job submit --user alice "$W/three.pdf")
check "release with the watermark" gw release --user alice --printer pdf --job "$JOB"
GOT=$(newest "$PDF_DIR" pdf)
check_eq "watermark: still 3 pages" "$(pdf_pages "$GOT")" 3
check_eq "watermark: the job id on every page" "$(pdftotext "$GOT" - | grep -c "alice .* UTC $JOB")" 3

gw_stop TERM
check_eq "daemon exits 0 on SIGTERM" "$GW_STATUS" 0
gw_finish
