# bench.sh - the timing helpers every benchmark script shares (sourced by tests/bench/*.sh).

ms() {       # wall-clock milliseconds now
  echo $(( $(date +%s%N) / 1000000 ))
}

median() {   # median of the numbers given as arguments, or on stdin when none are
  { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi; } |
    sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

bench_helper_setup() {  # bench_helper_setup NAME TOOL...: $RUN and the helper built in $B, the tools
                        # installed; exports GW_BUILD_DIR/GW_SOURCE_DIR; makes $W (removed at exit)
  local name=$1 t
  shift
  [ -x "$RUN" ] && [ -x "$B/converters/printgate-convert" ] || { echo "build test-convert-helper and printgate-convert in $B first" >&2; exit 1; }
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "$name: $t is missing (scripts/deps.sh --test)" >&2; exit 1; }
  done
  export GW_BUILD_DIR=$B GW_SOURCE_DIR=$S
  W=$(mktemp -d /dev/shm/pgbench.XXXXXX)
  trap 'rm -rf "$W"' EXIT
}

helper_ms() {  # helper_ms FILE [NAME=VALUE...]: ms from spawn to exit of one conversion by $RUN (test-convert-helper --run)
  "$RUN" --run "$@" | awk '{ printf "%d\n", $1 * 1000 + 0.5 }'
}

time_ms() {  # time_ms CMD...: wall milliseconds of one run (output discarded)
  local t0; t0=$(ms); "$@" >/dev/null 2>&1; echo $(( $(ms) - t0 ))
}
