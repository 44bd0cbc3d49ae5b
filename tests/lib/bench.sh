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

bench_count_files() {  # bench_count_files GLOB: sets BENCH_FILES to how many files GLOB matches (bash only, no process)
  local -a f
  local had=0
  shopt -q nullglob && had=1
  shopt -s nullglob
  # shellcheck disable=SC2206
  f=($1)
  [ "$had" = 1 ] || shopt -u nullglob
  BENCH_FILES=${#f[@]}
}

bench_wait_files() {   # bench_wait_files GLOB N: wait until GLOB matches N files, looking every 20 ms without
                       # starting a process (a CLI started every 20 ms would take CPU from what is measured)
  local fd
  exec {fd}<> <(:)
  bench_count_files "$1"
  while [ "$BENCH_FILES" -lt "$2" ]; do
    read -r -t 0.02 -u "$fd" || true
    bench_count_files "$1"
  done
  exec {fd}>&-
}
