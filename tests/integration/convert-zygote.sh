#!/usr/bin/env bash
# convert-zygote.sh - the helpers' zygote (docs/converters.md, "The
# zygote"), with the real helpers and printgated:
#   - with ConversionZygote yes (the default) the pool starts one zygote per
#     kind of helper, a child of the daemon with no child of its own; the
#     waiting helpers' reapers are also the daemon's children (CLONE_PARENT)
#     and run the helper's image (/proc/PID/exe), not printgate-reaper;
#   - documents convert with the right counts, each by a process of its own;
#   - a waiting helper forked by the zygote has the same sandbox as one
#     started with exec (ConversionZygote no): the same uid, gid,
#     capabilities, no_new_privs and seccomp mode, and namespaces other than
#     the daemon's (pid, mount, network, IPC);
#   - the zygote killed with SIGKILL: documents still convert, a new zygote
#     starts, none of the helpers it had started is lost;
#   - after 64 helpers a zygote is replaced (they share its layout);
#   - a reload replaces the zygote (a new helper program after an upgrade);
#   - ConversionZygote no (reload): the zygote is stopped, by PID, and the
#     helpers are exec'd under printgate-reaper again;
#   - a stop (TERM) and a kill -9 of the daemon leave no zygote, by PID.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
D=$GW_SOURCE_DIR/tests/data/convert

job_field() { gw --json job show "$1" | gw_json_field "$2"; }
zygotes() {       # the zygote pids the daemon logged, in order
  sed -n 's/.*Started a zygote of .* (pid \([0-9]*\))\..*/\1/p' "$GW_LOG"
}
zygote() { zygotes | tail -1; }
reapers() {       # the daemon's children that have a converter helper below them
  local r p
  for r in $(peers_children "$GW_PID"); do
    for p in $(peers_children "$r"); do
      case $(cat "/proc/$p/comm" 2>/dev/null) in printgate-conv*) echo "$r"; break ;; esac
    done
  done
}
wait_reapers() {  # wait_reapers N: until N helpers wait (30 s)
  local i
  for i in $(seq 300); do
    [ "$(reapers | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# sandbox_of REAPER: the confinement of the deepest process below a reaper
# (the helper's pid-namespace child): its status lines and which of its
# namespaces differ from the daemon's.
sandbox_of() {
  local p last="" ns out
  for p in $(peers_descendants "$1"); do last=$p; done
  [ -n "$last" ] || return 1
  out=$(grep -E '^(Uid|Gid|CapEff|CapPrm|NoNewPrivs|Seccomp):' "/proc/$last/status" | tr -s '\t ' ' ')
  for ns in pid mnt net ipc; do
    [ "$(readlink "/proc/$last/ns/$ns")" != "$(readlink "/proc/$GW_PID/ns/$ns")" ] && out+=" own-$ns"
  done
  echo "$out"
}
timing_pids() { grep -o 'helper_pid=[0-9]* pooled=[01]' "$GW_LOG"; }
submit_ok() {     # submit_ok FILE PAGES: a job of FILE held with PAGES pages
  local j
  j=$(gw job submit --user dana "$1" 2>&1)
  [ "$(job_field "$j" state)/$(job_field "$j" pages)" = "held/$2" ]
}

gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/three-pages.pdf" "$D/three-pages.ps" >/dev/null
printf '%%!PS\n/Helvetica findfont 12 scalefont setfont 72 720 moveto (one) show showpage\n' > "$W/one.ps"
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -o "$W/one.pdf" "$W/one.ps" >/dev/null

# ---- Helpers forked by a zygote -------------------------------------------------
gw_start "ConversionPool 2" "OfficeWorkers 0" "LogLevel debug"
check "user add" gw user add dana
check "the first PDF is held with 3 pages" submit_ok "$W/three-pages.pdf" 3
check "then 2 helpers wait" wait_reapers 2
Z=$(zygote)
check "a zygote was started (logged with its pid)" test -n "$Z"
check_eq "the zygote is the daemon's child" "$(awk '{ print $4 }' "/proc/$Z/stat" 2>/dev/null)" "$GW_PID"
check_eq "the zygote has no child (its reapers are the daemon's)" "$(peers_children "$Z" | wc -l)" 0
check "the zygote runs the PDF helper" sh -c "readlink /proc/$Z/exe | grep -q 'printgate-convert-pdf\$'"
R=$(reapers | head -1)
check "a waiting helper's reaper is the daemon's child and runs the helper's image, not printgate-reaper" \
  sh -c "readlink /proc/$R/exe | grep -q 'printgate-convert-pdf\$'"
Z_SANDBOX=$(sandbox_of "$R")
check "a forked helper is confined: no_new_privs, its own pid, mount, network and IPC namespaces" \
  sh -c "echo '$Z_SANDBOX' | grep -q 'NoNewPrivs: 1' && echo '$Z_SANDBOX' | grep -q 'own-pid own-mnt own-net own-ipc'"
ok=0
for i in 1 2 3 4 5; do
  wait_reapers 2 >/dev/null 2>&1
  submit_ok "$W/three-pages.pdf" 3 && ok=$((ok + 1))
done
check_eq "5 more PDFs: all held with 3 pages" "$ok" 5
check_eq "... each by a waiting (forked) helper" "$(timing_pids | grep -c 'pooled=1')" 5
check_eq "6 PDFs, 6 distinct helper pids" "$(timing_pids | cut -d' ' -f1 | sort -u | wc -l)" 6
check_eq "... still the same zygote" "$(zygote)" "$Z"

# The zygote dies: nothing is lost, another starts.
wait_reapers 2
before=$(reapers)
kill -9 "$Z"
check "after the zygote was killed: its waiting helpers still run" test "$(peers_alive_count $before)" -eq 2
ok=0
for i in 1 2 3; do submit_ok "$W/three-pages.pdf" 3 && ok=$((ok + 1)); done
check_eq "... 3 PDFs held with 3 pages" "$ok" 3
check "... and a new zygote started" peers_wait 30 sh -c "[ \"\$(sed -n 's/.*Started a zygote of .* (pid \([0-9]*\))\..*/\1/p' '$GW_LOG' | tail -1)\" != '$Z' ]"
check_eq "... the killed one is reaped, not a zombie" "$(peers_alive_count "$Z")" 0

# After 64 helpers, a zygote is replaced.
n0=$(zygotes | wc -l)
ok=0
for i in $(seq 66); do submit_ok "$W/one.pdf" 1 && ok=$((ok + 1)); done
check_eq "66 one-page PDFs held" "$ok" 66
check "... and at least one more zygote was started (64 helpers each at most)" test "$(zygotes | wc -l)" -gt "$n0"
check_eq "... the old zygotes are gone: one runs" "$(peers_alive_count $(zygotes))" 1

# A reload replaces the zygote (after an upgrade it must run the new program).
Z=$(zygote)
gw_reload
check "a reload stops the zygote" peers_wait 10 sh -c "[ \"\$(awk '{ print \$3 }' /proc/$Z/stat 2>/dev/null)\" = '' ]"
submit_ok "$W/one.pdf" 1
check "... and the next helper comes from a new one" \
  peers_wait 30 sh -c "[ \"\$(sed -n 's/.*Started a zygote of .* (pid \([0-9]*\))\..*/\1/p' '$GW_LOG' | tail -1)\" != '$Z' ]"

# ConversionZygote no: exec'd helpers again, with the same sandbox.
Z=$(zygote)
echo "ConversionZygote no" >> "$GW_CONF"
gw_reload
check "ConversionZygote no: the zygote is stopped" peers_wait 10 sh -c "[ \"\$(awk '{ print \$3 }' /proc/$Z/stat 2>/dev/null)\" = '' ]"
for i in 1 2 3; do submit_ok "$W/three-pages.pdf" 3; done   # the helpers of before are used up
check "... documents convert" submit_ok "$W/three-pages.pdf" 3
check "... helpers wait again" wait_reapers 2
R=$(reapers | head -1)
check "... under printgate-reaper" sh -c "readlink /proc/$R/exe | grep -q 'printgate-reaper\$'"
E_SANDBOX=$(sandbox_of "$R")
check_eq "an exec'd helper's sandbox equals a forked one's" "$E_SANDBOX" "$Z_SANDBOX"
sed -i '/^ConversionZygote no/d' "$GW_CONF"
gw_reload

# Back to yes: the next helper the pool starts comes from a new zygote.
submit_ok "$W/one.pdf" 1
check "ConversionZygote yes again: a new zygote starts" \
  peers_wait 30 sh -c "[ \"\$(sed -n 's/.*Started a zygote of .* (pid \([0-9]*\))\..*/\1/p' '$GW_LOG' | tail -1)\" != '$Z' ]"
check "... and helpers wait" wait_reapers 2

# Stop and crash: no zygote left.
tree=$(peers_descendants "$GW_PID")
gw_stop TERM
check_eq "TERM: the daemon exits 0" "$GW_STATUS" 0
check_eq "TERM: none of its $(echo $tree | wc -w) zygote, reapers and helpers left" "$(peers_alive_count $tree)" 0
gw_restart
check "restarted: a PDF is held" submit_ok "$W/three-pages.pdf" 3
check "restarted: helpers wait" wait_reapers 2
tree=$(peers_descendants "$GW_PID")
Z=$(zygote)
check "restarted: a zygote runs" test "$(peers_alive_count "$Z")" = 1
gw_stop KILL
check "kill -9: the zygote, reapers and helpers ($(echo $tree | wc -w)) all exit within 5 s" \
  peers_wait 5 sh -c "n=0; for p in $(echo $tree); do [ -r /proc/\$p/stat ] && [ \"\$(awk '{ print \$3 }' /proc/\$p/stat 2>/dev/null)\" != Z ] && n=1; done; [ \$n = 0 ]"

gw_finish
