#!/usr/bin/env bash
# convert-pdf-helper.sh - the lean helper (issue 15, docs/converters.md
# "Fixed cost"): printgated runs printgate-convert-pdf for documents whose
# first bytes say PDF or PostScript and printgate-convert for the rest; a
# document the lean helper hands back (exit GW_CONV_EXIT_FULL) is converted
# by printgate-convert; any other failure of the lean helper is final; with
# no lean helper next to ConverterPath everything goes to printgate-convert.
# The last three with stand-in scripts in a ConverterPath folder of our own.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
D=$GW_SOURCE_DIR/tests/data/convert
REAL=$GW_BUILD_DIR/converters/printgate-convert

job_field() {   # job_field JOB FIELD
  gw --json job show "$1" | gw_json_field "$2"
}

start_phase() {   # start_phase DIRECTIVE...: a daemon on the same state; the log from here on is the phase's
  gw_start "LogLevel debug" "$@"
  PHASE_LINE=$(( $(wc -l < "$GW_LOG") + 1 ))
}

gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/three-pages.pdf" "$D/three-pages.ps" >/dev/null
convert -size 60x40 xc:red "$W/red.png"

# ---- The build's helpers: which one converts what -------------------------------
start_phase "ConversionDir $W/conv1"
check "user add" gw user add dana
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "PDF: held" "$(job_field "$j" state)" held
check_eq "PDF: 1 colour page of 3" "$(job_field "$j" pages)/$(job_field "$j" color_pages)" 3/1
check "PDF: converted by printgate-convert-pdf" sh -c "tail -n +$PHASE_LINE '$GW_LOG' | grep -q 'printgate-convert-pdf: profile:'"
j=$(gw job submit --user dana "$D/logo.eps" 2>&1)
check_eq "EPS: held in colour" "$(job_field "$j" state)/$(job_field "$j" color_pages)" held/1
check_eq "PDF and EPS: two runs of the lean helper, none handed back" \
  "$(grep -c 'printgate-convert-pdf: profile:' "$GW_LOG")/$(grep -c 'handed the document back' "$GW_LOG")" 2/0
j=$(gw job submit --user dana "$W/red.png" 2>&1)
check_eq "PNG: held in colour" "$(job_field "$j" state)/$(job_field "$j" color_pages)" held/1
check "PNG: converted by printgate-convert (not handed back)" sh -c \
  "grep -q 'printgate-convert: profile:' '$GW_LOG' && ! grep -q 'handed the document back' '$GW_LOG'"
gw_stop TERM

# ---- Stand-ins next to ConverterPath --------------------------------------------
mkdir -p "$W/bin"
ln -s "$REAL" "$W/bin/printgate-convert"
printf '#!/bin/sh\necho "fail reason=internal-error detail=stand-in hands it back" >&3\nexit 4\n' > "$W/bin/printgate-convert-pdf"
chmod 755 "$W/bin/printgate-convert-pdf"

start_phase "ConversionDir $W/conv2" "ConverterPath $W/bin/printgate-convert"
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "handed back: held by printgate-convert, 3 pages, 1 in colour" "$(job_field "$j" state)/$(job_field "$j" pages)/$(job_field "$j" color_pages)" held/3/1
check "handed back: logged" sh -c "tail -n +$PHASE_LINE '$GW_LOG' | grep -q 'printgate-convert-pdf handed the document back (stand-in hands it back)'"
gw_stop TERM

# Positive control: a failure other than "hand back" is the document's.
printf '#!/bin/sh\necho "fail reason=corrupt-document detail=stand-in refuses" >&3\nexit 1\n' > "$W/bin/printgate-convert-pdf"
start_phase "ConversionDir $W/conv3" "ConverterPath $W/bin/printgate-convert"
out=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check "lean helper's own failure: the job fails corrupt-document" sh -c "printf '%s' \"\$1\" | grep -q corrupt-document" _ "$out"
check "lean helper's own failure: not run again" sh -c "! tail -n +$PHASE_LINE '$GW_LOG' | grep -q 'handed the document back\|printgate-convert: profile'"
gw_stop TERM

# Without a lean helper next to ConverterPath: printgate-convert does it all.
rm -f "$W/bin/printgate-convert-pdf"
start_phase "ConversionDir $W/conv4" "ConverterPath $W/bin/printgate-convert"
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "no lean helper: held by printgate-convert" "$(job_field "$j" state)/$(job_field "$j" color_pages)" held/1
check "no lean helper: printgate-convert's profile, not the lean one's" sh -c \
  "tail -n +$PHASE_LINE '$GW_LOG' | grep -q 'printgate-convert: profile:' && ! tail -n +$PHASE_LINE '$GW_LOG' | grep -q 'printgate-convert-pdf'"
gw_stop TERM

gw_finish
