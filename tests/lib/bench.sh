# bench.sh - the timing helpers every benchmark script shares (sourced by tests/bench/*.sh).

ms() {       # wall-clock milliseconds now
  echo $(( $(date +%s%N) / 1000000 ))
}

median() {   # median of the numbers given as arguments, or on stdin when none are
  { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi; } |
    sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

time_ms() {  # time_ms CMD...: wall milliseconds of one run (output discarded)
  local t0; t0=$(ms); "$@" >/dev/null 2>&1; echo $(( $(ms) - t0 ))
}
