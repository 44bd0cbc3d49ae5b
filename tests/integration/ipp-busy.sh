#!/usr/bin/env bash
# ipp-busy.sh - Print-Job when the core's conversion queue is full: the one
# worker converts a slow document and the queue (ConversionQueue 1) holds
# another, so a Print-Job (three at once, too) is answered
# server-error-busy before its document is taken, and nothing of it is
# stored (no job, no spool file); Get-Printer-Attributes still answers;
# once the slow one ends and the queue drains, the same Print-Job is taken
# and held.  The slow one is a stand-in lean helper (next to ConverterPath,
# as in convert-pdf-helper.sh) that hangs on endless-loop.ps until the test
# kills it by its PID, with ConversionTimeout 1h: the worker stays busy for
# as long as the checks take, however slow the machine; every other
# document goes to the build's helpers.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
# A timeout ended the slow one before: at 5 s the queue drained before the three at once under ASan
# beside other tests, and 10 s was no promise either.  A fresh helper's fd 0 is the document's memfd,
# read here without moving its offset; a pooled one's is a pipe (never the first document).
mkdir -p "$W/bin"
ln -s "$GW_BUILD_DIR/converters/printgate-convert" "$W/bin/printgate-convert"
cat > "$W/bin/printgate-convert-pdf" <<EOF
#!/bin/sh
if [ ! -p /dev/stdin ] && head -c 300 /dev/stdin | grep -q 'endless-loop.ps'; then
  echo \$\$ >> "$W/hang.pids"
  exec sleep 3600
fi
exec "$GW_BUILD_DIR/converters/printgate-convert-pdf" "\$@"
EOF
chmod 755 "$W/bin/printgate-convert-pdf"
gw_start "ConversionWorkers 1" "ConversionQueue 1" "ConversionTimeout 1h" "ConverterPath $W/bin/printgate-convert" || exit 1
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)
LOOP="$GW_SOURCE_DIR/tests/data/convert/endless-loop.ps"
gw_make_pdf "$W/two.pdf" 2 "Queued behind a slow one"
gw_make_pdf "$W/one.pdf" 1 "Refused while busy"
ipc() { $IPC "$GW_PORT" "$@" --auth "alice:$APW" 2>&1; }
has() { echo "$1" | grep -q -- "$2"; }
job_of() { sed -n 's/.*job-id=\([0-9]*\).*/\1/p'; }
jobs_now() { gw --json job list | grep -c '"id"'; }
spool_files() { find "$GW_STATE" -path '*spool*' -name '*.pgs' -type f 2>/dev/null | wc -l; }
held() {   # held NUMBER: alice's job NUMBER is held
  gw --json job list --user alice | python3 -c 'import json, sys
sys.exit(not [j for j in json.load(sys.stdin)["jobs"] if j["number"] == int(sys.argv[1]) and j["state"] == "held"])' "$1"
}

out=$(ipc print --document "$LOOP" --format application/postscript)
check "a slow document is taken ($out)" has "$out" "HTTP 200 IPP 0x0000 job-id="
check "its conversion runs on the one worker (hanging in the stand-in)" peers_wait 30 test -s "$W/hang.pids"
out=$(ipc print --document "$W/two.pdf" --format application/pdf)
check "a second one is taken and queued ($out)" has "$out" "HTTP 200 IPP 0x0000 job-id="
J2=$(echo "$out" | job_of)
JOBS=$(jobs_now); SPOOL=$(spool_files)
out=$(ipc print --document "$W/one.pdf" --format application/pdf)
check "a third, with the worker busy and the queue full: server-error-busy ($out)" has "$out" "IPP 0x0507"
pids=()
for i in 1 2 3; do ipc print --document "$W/one.pdf" --format application/pdf > "$W/par-$i.out" & pids+=($!); done
wait "${pids[@]}"
check "three at once: each server-error-busy" sh -c "grep -c 'IPP 0x0507' '$W'/par-*.out | awk -F: '{s += \$2} END {exit s != 3}'"
check "Get-Printer-Attributes still answers" has "$($IPC "$GW_PORT" gpa 2>&1)" "HTTP 200 IPP 0x0000"
check_eq "nothing of the refused ones is stored (jobs)" "$(jobs_now)" "$JOBS"
check_eq "nothing of the refused ones is stored (spool files)" "$(spool_files)" "$SPOOL"
for pid in $(cat "$W/hang.pids"); do   # the hanging stand-in, by its PID (a sleep of this test's own)
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && kill "$pid"
done
check "the queued one is held once the slow one ends" peers_wait 60 held "$J2"
out=$(ipc print --document "$W/one.pdf" --format application/pdf)
check "with room again, the same Print-Job is taken ($out)" has "$out" "HTTP 200 IPP 0x0000 job-id="
J4=$(echo "$out" | job_of)
check "and held" peers_wait 60 held "$J4"

gw_stop TERM
gw_finish
