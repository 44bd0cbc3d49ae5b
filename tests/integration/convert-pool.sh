#!/usr/bin/env bash
# convert-pool.sh - the pool of pre-started converter helpers in printgated
# (docs/converters.md, "The helper pool"), with the real helpers:
#   - after the first PDF, the next ones are converted by waiting helpers
#     (pooled=1 in the timing line), with the right counts, and no two
#     documents by one process (distinct helper_pid in the timing lines);
#   - a waiting helper killed with SIGKILL: the next job still converts, by
#     another helper, and the death is logged;
#   - a stop (TERM) leaves none of the daemon's helpers or reapers, by PID;
#   - a kill -9 of the daemon: every waiting helper and reaper exits too
#     (parent-death signal, control socket EOF), by PID;
#   - ConversionPool 0: no helper waits; documents still convert.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
D=$GW_SOURCE_DIR/tests/data/convert

job_field() { gw --json job show "$1" | gw_json_field "$2"; }

waiting_helpers() {   # waiting_helpers: the converter helpers (children of the daemon's reapers) that run now
  local r p
  for r in $(peers_children "$GW_PID"); do
    for p in $(peers_children "$r"); do
      case $(cat "/proc/$p/comm" 2>/dev/null) in printgate-conv*) echo "$p" ;; esac
    done
  done
}
wait_waiting() {  # wait_waiting N: until N helpers wait (20 s; the shared machines are loaded)
  local i
  for i in $(seq 200); do
    [ "$(waiting_helpers | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
timing_pids() { grep -o 'helper_pid=[0-9]* pooled=[01]' "$GW_LOG"; }

gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/three-pages.pdf" "$D/three-pages.ps" >/dev/null

# ---- Pooled conversions -----------------------------------------------------
gw_start "ConversionPool 2" "OfficeWorkers 0"   # only converter helpers below the daemon
check "user add" gw user add dana
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "first PDF: held, 3 pages, 1 in colour" "$(job_field "$j" state)/$(job_field "$j" pages)/$(job_field "$j" color_pages)" held/3/1
check "first PDF: its own helper (pooled=0)" sh -c "timing_pids() { grep -o 'pooled=[01]' '$GW_LOG'; }; [ \"\$(timing_pids)\" = pooled=0 ]"
check "then 2 helpers wait" wait_waiting 2
ok=0
for i in 1 2 3 4 5; do
  wait_waiting 2 >/dev/null 2>&1
  j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
  [ "$(job_field "$j" state)/$(job_field "$j" pages)/$(job_field "$j" color_pages)" = held/3/1 ] && ok=$((ok + 1))
done
check_eq "5 more PDFs: all held with 3 pages, 1 in colour" "$ok" 5
check_eq "5 more PDFs: each by a waiting helper (pooled=1)" "$(timing_pids | grep -c 'pooled=1')" 5
check_eq "6 PDFs, 6 distinct helper pids" "$(timing_pids | cut -d' ' -f1 | sort -u | wc -l)" 6
check "a pooled helper's profile shows its wait" grep -q 'printgate-convert-pdf: profile: .*wait=[0-9.]* input=' "$GW_LOG"

# A waiting helper dies: the next job takes another (or a fresh one).
wait_waiting 2
victims=$(waiting_helpers)
check_eq "2 helpers wait under the daemon's reapers" "$(echo "$victims" | wc -w)" 2
kill -9 $victims
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "after both waiting helpers were killed: the PDF is still held" "$(job_field "$j" state)/$(job_field "$j" pages)" held/3
last=$(timing_pids | tail -1 | sed 's/helper_pid=\([0-9]*\).*/\1/')
check "... by none of the killed helpers" sh -c "! echo '$victims' | grep -qx '$last'"
check "... and the death is logged" grep -q 'A waiting conversion helper (pid [0-9]*) is gone' "$GW_LOG"

# A stop leaves nothing of the pool.
check "helpers wait again" wait_waiting 2
tree=$(peers_descendants "$GW_PID")
check "the daemon has reapers and helpers below it" test "$(echo $tree | wc -w)" -ge 4
gw_stop TERM
check_eq "TERM: the daemon exits 0" "$GW_STATUS" 0
check_eq "TERM: none of its $(echo $tree | wc -w) helpers and reapers left" "$(peers_alive_count $tree)" 0

# A kill -9 of the daemon: its waiting helpers go with it.
gw_restart
gw job submit --user dana "$W/three-pages.pdf" >/dev/null 2>&1
check "restarted: helpers wait" wait_waiting 2
tree=$(peers_descendants "$GW_PID")
gw_stop KILL
check "kill -9: none of its $(echo $tree | wc -w) helpers and reapers left within 5 s" \
  peers_wait 5 sh -c "n=0; for p in $(echo $tree); do [ -r /proc/\$p/stat ] && [ \"\$(awk '{ print \$3 }' /proc/\$p/stat 2>/dev/null)\" != Z ] && n=1; done; [ \$n = 0 ]"

# Positive control for the two above: a helper not reaped would still be listed here.
check "the control: the recorded pids were real (some ran before the kill)" test "$(echo $tree | wc -w)" -ge 4

# ConversionPool 0: nothing waits, documents still convert.
sed -i 's/^ConversionPool .*/ConversionPool 0/' "$GW_CONF"
gw_restart
j=$(gw job submit --user dana "$W/three-pages.pdf" 2>&1)
check_eq "ConversionPool 0: held" "$(job_field "$j" state)" held
sleep 1
check_eq "ConversionPool 0: no helper waits" "$(waiting_helpers | wc -l)" 0
check_eq "ConversionPool 0: converted by its own helper" "$(timing_pids | tail -1 | cut -d' ' -f2)" pooled=0
gw_stop TERM

gw_finish
