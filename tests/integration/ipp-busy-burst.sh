#!/usr/bin/env bash
# ipp-busy-burst.sh - the full conversion pool under a burst of Print-Jobs:
# one worker (ConversionWorkers 1) is held up by a slow document (an endless
# PostScript, killed by ConversionTimeout 20s) and the queue takes two
# (ConversionQueue 2); 16 clients then send a Print-Job each, each on its
# own connection, staggered by 50 ms so the queue fills during the burst.
# Every answer must be either successful-ok with a job-id (taken) or
# server-error-busy (refused, before the document is read): nothing else,
# no hang.  Then, once the slow one has timed out: every taken job ends held
# with its page, exactly one row per taken job and none for a refused one,
# one spool file per held job (a refused one left none), and no job stuck in
# receiving or converting.  The cap is checked when a Print-Job arrives and
# a job joins the queue when its document is stored, so jobs arriving
# together may all pass the check and the queue may hold a few more than
# ConversionQueue for a moment (bounded by the listener's connections): the
# number taken beyond the cap is printed, not failed; what must hold is that
# nothing taken is lost and nothing refused is kept.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
# ConversionTimeout 20s: the burst and its checks (a few seconds) run while the slow one holds the
# worker, with room to spare also under the sanitizers on a loaded CPU (the burst's documents are
# made before it starts); not more, as the endless PostScript burns a CPU until it ends.
gw_start "ConversionWorkers 1" "ConversionQueue 2" "ConversionTimeout 20s" || exit 1
gw user add alice >/dev/null
APW=$(gw user password alice | tail -1)
LOOP="$GW_SOURCE_DIR/tests/data/convert/endless-loop.ps"
N=16
ipc() { $IPC "$GW_PORT" "$@" --auth "alice:$APW" 2>&1; }
job_of() { sed -n 's/.*job-id=\([0-9]*\).*/\1/p'; }
helper_running() { test -n "$(ps -o pid= --ppid "$GW_PID")"; }
jobs_json() { gw --json job list --user alice; }
count_state() {   # count_state STATE: alice's jobs in that state
  jobs_json | python3 -c 'import json, sys
print(sum(1 for j in json.load(sys.stdin)["jobs"] if j["state"] == sys.argv[1]))' "$1"
}
spool_files() { find "$GW_STATE" -path '*spool*' -name '*.pgs' -type f 2>/dev/null | wc -l; }
settled() { [ "$(count_state receiving)" = 0 ] && [ "$(count_state converting)" = 0 ]; }

for i in $(seq 1 $N); do
  gw_make_pdf "$W/doc-$i.pdf" 1 "Burst document $i"
done
out=$(ipc print --document "$LOOP" --format application/postscript)
check "a slow document is taken ($out)" sh -c "echo '$out' | grep -q 'HTTP 200 IPP 0x0000 job-id='"
SLOW=$(echo "$out" | job_of)
check "its conversion holds the one worker" peers_wait 30 helper_running

# ---- The burst -------------------------------------------------------------------
pids=()
for i in $(seq 1 $N); do
  ipc print --document "$W/doc-$i.pdf" --format application/pdf --timeout 60 > "$W/burst-$i.out" & pids+=($!)
  sleep 0.05
done
wait "${pids[@]}"
TAKEN=(); REFUSED=0; OTHER=0
for i in $(seq 1 $N); do
  if grep -q 'HTTP 200 IPP 0x0000 job-id=' "$W/burst-$i.out"; then
    TAKEN+=("$(job_of < "$W/burst-$i.out")")
  elif grep -q 'IPP 0x0507' "$W/burst-$i.out"; then
    REFUSED=$((REFUSED + 1))
  else
    OTHER=$((OTHER + 1)); echo "    burst $i: $(cat "$W/burst-$i.out")"
  fi
done
echo "burst of $N with the worker busy and ConversionQueue 2: ${#TAKEN[@]} taken (${#TAKEN[@]} - 2 = $(( ${#TAKEN[@]} - 2 )) beyond the queue's cap), $REFUSED refused busy"
check_eq "every answer is taken or server-error-busy" "$OTHER" 0
check "at least the queue's two are taken" test "${#TAKEN[@]}" -ge 2
check "the full queue refused some" test "$REFUSED" -ge 1
check "Get-Printer-Attributes still answers during the burst" sh -c "$IPC $GW_PORT gpa 2>&1 | grep -q 'HTTP 200 IPP 0x0000'"

# ---- Nothing lost, nothing kept --------------------------------------------------
check "the slow one times out and the queue drains" peers_wait 150 settled
check_eq "the slow one failed (the conversion time limit)" "$(count_state failed)" 1
check_eq "every taken job is held" "$(count_state held)" "${#TAKEN[@]}"
check_eq "one row per taken job plus the slow one, none for a refused one" "$(jobs_json | grep -c '"number"')" "$(( ${#TAKEN[@]} + 1 ))"
held_numbers=$(jobs_json | python3 -c 'import json, sys
print(" ".join(str(j["number"]) for j in sorted(json.load(sys.stdin)["jobs"], key=lambda j: j["number"]) if j["state"] == "held" and j["pages"] == 1))')
check_eq "the held ones are exactly the taken ones, one page each" "$held_numbers" "$(printf '%s\n' "${TAKEN[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "one spool file per held job (a refused one left none)" "$(spool_files)" "${#TAKEN[@]}"
check "the spool's recycled files (free/) hold no byte" sh -c "test -d '$GW_STATE/spool/free' && test -z \"\$(find '$GW_STATE/spool/free' -type f ! -size 0)\""
check "the slow job is not among the held" sh -c "! echo ' $held_numbers ' | grep -q ' $SLOW '"

# ---- With room again, a Print-Job is taken at once --------------------------------
out=$(ipc print --document "$W/doc-1.pdf" --format application/pdf)
check "with room again, a Print-Job is taken ($out)" sh -c "echo '$out' | grep -q 'HTTP 200 IPP 0x0000 job-id='"
check "... and held" peers_wait 60 sh -c "test \"\$('$PRINTGATE' -c '$GW_CONF' --json job list --user alice | grep -c '\"held\"')\" = $(( ${#TAKEN[@]} + 1 ))"

gw_stop TERM
gw_finish
