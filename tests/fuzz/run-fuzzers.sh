#!/usr/bin/env bash
# run-fuzzers.sh - run every libFuzzer harness of a fuzz build for a while
# (docs/fuzzing.md).
#
#   tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS [HARNESS...]
#
# BUILD_DIR was configured with CC=clang -DPRINTGATE_FUZZ=ON
# -DPRINTGATE_SANITIZE=ON and built with --target fuzzers.  Each harness
# (all BUILD_DIR/tests/fuzz/fuzz-* programs, or the ones named) fuzzes for
# SECONDS on a throw-away COPY of its committed seed corpus
# (tests/fuzz/corpus/<harness>/, with tests/fuzz/<harness>.dict when there
# is one), so the committed corpus never grows by itself.
#
# A crash, a sanitizer report, a leak, an input slower than 25 s (of wall
# time, checked again on its own in CPU time, so a harness starved of CPU
# beside the suites does not fail on a fast input), more than
# 2 GiB of memory, or a harness that cannot run at all fails the harness;
# the script exits 1 if any harness failed.  The input that failed is kept
# in BUILD_DIR/fuzz-artifacts/<harness>/ and the whole log in
# BUILD_DIR/fuzz-logs/<harness>.log.  One summary line per harness, then
# "fuzz: N passed, N failed".  A harness that got less than 90 % of SECONDS
# of CPU (it shared the CPU) fuzzes on for the CPU seconds it missed, up to
# 10 x SECONDS in all.  Harnesses run side by side, one per CPU
# (FUZZ_LANES=N sets how many; with FUZZ_LANES_FILE=PATH the number in that
# file, read again before each harness starts, so a caller can widen the
# lanes while the run is under way: scripts/test.sh fuzzes in one lane beside
# the test suites, then in one per CPU).
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [HARNESS...]" >&2
  exit 2
fi

build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
case "$seconds" in
  ''|*[!0-9]*) echo "run-fuzzers: SECONDS must be a whole number, got \"$seconds\"" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
bindir="$build/tests/fuzz"
logdir="$build/fuzz-logs"
artdir="$build/fuzz-artifacts"

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  harnesses=()
  for f in "$bindir"/fuzz-*; do
    [ -f "$f" ] && [ -x "$f" ] && harnesses+=("$(basename "$f")")
  done
fi

if [ ${#harnesses[@]} -eq 0 ]; then
  echo "run-fuzzers: no harness in $bindir (configure with -DPRINTGATE_FUZZ=ON and build --target fuzzers)" >&2
  exit 1
fi

# The spool harness rewrites a 130 KB file for every input: RAM is faster.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

mkdir -p "$logdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/printgate-fuzz-run-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Sanitizer settings: leaks are failures; a report ends the run at once.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:handle_abort=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# cpu_now FILE: cpu = user + system seconds of this (sub)shell's finished
# children, through FILE (`times` in $(...) would count the $(...)'s own).
cpu_now() {
  times >"$1"
  cpu=$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i ++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%d", n }' "$1")
}

# only_starved HARNESS: true when every timeout-* input HARNESS left runs
# on its own, within 10 minutes, in under 20 s of CPU (each is renamed
# starved-* and noted in the log); false when one does not.
only_starved() {
  local h=$1 a before n=0
  for a in "$artdir/$h"/timeout-*; do
    [ -f "$a" ] || continue
    cpu_now "$work/$h.times"
    before=$cpu
    timeout -s KILL 600 "$bindir/$h" -runs=1 "$a" >/dev/null 2>&1 || return 1
    cpu_now "$work/$h.times"
    [ $((cpu - before)) -lt 20 ] || return 1
    echo "run-fuzzers: $(basename "$a") ran alone in $((cpu - before)) s of CPU: the timeout was a starved CPU, fuzzing on" >>"$logdir/$h.log"
    mv "$a" "$artdir/$h/starved-${a##*/timeout-}"
    n=$((n + 1))
  done
  [ $n -gt 0 ]
}

# fuzz_one HARNESS: fuzz one harness; its summary (and report, on failure)
# goes to $work/HARNESS.out, and $work/HARNESS.ok exists when it passed.
fuzz_one() {
  local h=$1 exe="$bindir/$1" log="$logdir/$1.log" corpus="$work/$1"
  local out="$work/$1.out" seeds args start rc elapsed execs cov ft corp summary first a want cpu starved from spent

  if [ ! -x "$exe" ]; then
    echo "$h: FAILED, no such harness ($exe)" >"$out"
    return
  fi

  # A fresh copy of the seeds, and an empty folder for what fails.
  rm -rf "${artdir:?}/$h"
  mkdir -p "$corpus" "$artdir/$h"
  if [ -d "$here/corpus/$h" ]; then
    cp -R "$here/corpus/$h/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)

  args=(-rss_limit_mb=2048 -timeout=25 -print_final_stats=1
        -artifact_prefix="$artdir/$h/")
  if [ -f "$here/$h.dict" ]; then
    args+=(-dict="$here/$h.dict")
  fi

  # libFuzzer reports on stderr; a library's own printf (libytnef prints
  # "ERROR: Field with size of 0" to stdout) goes to a file of its own, so
  # it cannot split libFuzzer's DONE line in the log.
  # SECONDS of fuzzing, and at least 90 % of them on a CPU: a harness that
  # shared its CPU (beside the test suites, at nice 19) fuzzes on, from the
  # corpus it grew, for the CPU seconds it missed (for at most 10 x SECONDS
  # in all; the summary says how much CPU it had).
  start=$(date +%s)
  want=$seconds
  : >"$log.stdout"
  : >"$log"
  starved=0
  spent=0
  while :; do
    from=$(($(wc -l <"$log") + 1))
    "$exe" -max_total_time="$want" "${args[@]}" "$corpus" >>"$log.stdout" 2>>"$log"
    rc=$?
    cpu_now "$work/$h.times"
    # libFuzzer's -timeout counts wall-clock time: a harness starved of CPU
    # (nice 19 beside the suites) can "time out" on an input that takes
    # milliseconds.  Such an input is run again on its own; if it finishes
    # in under 20 s of CPU, the timeout was the scheduler's, the input is
    # kept as starved-* (not a failure) and fuzzing goes on.  A real hang
    # (or one that cannot be told apart in 10 minutes) fails as before.
    if [ $rc -ne 0 ] && [ $starved -lt 5 ] && tail -n +"$from" "$log" | grep -q 'ERROR: libFuzzer: timeout' &&
       only_starved "$h"; then
      starved=$((starved + 1))
      rc=0                # that run counts, though it ended without DONE
      spent=1
      cpu_now "$work/$h.times"
    fi
    [ $rc -eq 0 ] && [ $((seconds - cpu)) -gt $((seconds / 10)) ] || break
    [ $(( $(date +%s) - start )) -lt $((seconds * 10)) ] || break   # a CPU that stays busy: give up
    want=$((seconds - cpu))
    echo "run-fuzzers: $cpu s of CPU in $(( $(date +%s) - start )) s: $want s more" >>"$log"
  done
  elapsed=$(( $(date +%s) - start ))

  # The last status line: "#123 DONE cov: 40 ft: 58 corp: 6/8764b ..."
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ n += $1 } END { if (NR) print n }')
  cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  summary="${execs:-?} execs in ${elapsed}s (${cpu}s CPU), cov ${cov:-?}, features ${ft:-?}, corpus ${seeds} seeds -> ${corp:-?}"

  # A clean run ends with DONE and exit 0; anything else is a failure.
  if [ $starved -gt 0 ]; then
    summary="$summary, $starved starved timeout(s) re-run alone"
  fi
  if [ $rc -eq 0 ] && { [ $spent -eq 1 ] || grep -qE "^#[0-9]+[[:space:]]+DONE" "$log"; }; then
    echo "$h: ok, $summary" >"$out"
    : >"$work/$h.ok"
    return
  fi
  {
    echo "$h: FAILED (exit $rc), $summary"
    # The report: from the first error line (sanitizer, libFuzzer or a
    # broken promise printed by the harness), else the end of the log.
    first=$(grep -nE '^==[0-9]+== ?ERROR|ERROR: libFuzzer|runtime error:|^fuzz-[a-z-]+: |^ALARM' "$log" | head -n 1 | cut -d: -f1)
    echo "---- $log ----"
    if [ -n "$first" ]; then
      sed -n "${first},$((first + 60))p" "$log"
    else
      tail -n 40 "$log"
    fi
    echo "----"
    for a in "$artdir/$h"/*; do
      [ -f "$a" ] && echo "reproduce: $exe $a"
    done
  } >"$out"
}

# Harnesses are single-threaded: run as many at once as there are CPUs
# (FUZZ_LANES overrides), each for its full SECONDS.
lanes=${FUZZ_LANES:-$(nproc)}
case "$lanes" in
  ''|*[!0-9]*|0) echo "run-fuzzers: FUZZ_LANES must be a whole number above 0, got \"$lanes\"" >&2; exit 2 ;;
esac
# lanes_now: FUZZ_LANES_FILE's number when it holds one, else $lanes.
lanes_now() {
  local n
  n=$(cat "${FUZZ_LANES_FILE:-/nonexistent}" 2>/dev/null)
  case "$n" in
    ''|*[!0-9]*|0) echo "$lanes" ;;
    *) echo "$n" ;;
  esac
}
for h in "${harnesses[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(lanes_now)" ]; do
    if [ -n "${FUZZ_LANES_FILE:-}" ]; then
      sleep 1                           # the file may widen the lanes meanwhile
    else
      wait -n
    fi
  done
  fuzz_one "$h" &
done
wait

# The summaries, in the harnesses' order.
passed=0
failed=0
for h in "${harnesses[@]}"; do
  cat "$work/$h.out"
  if [ -e "$work/$h.ok" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
