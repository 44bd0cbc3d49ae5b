#!/usr/bin/env bash
# test.sh - install what is missing, build, and run the whole test suite:
# a -Werror build running every ctest test and an ASan+UBSan build running
# all but the source-tree checks and the package build (tests/CMakeLists.txt).
#
#   scripts/test.sh            everything (what CI runs), and 60 s of
#                              fuzzing per libFuzzer harness (clang build),
#                              beside the suites at nice 19
#   scripts/test.sh --quick    the -Werror build only
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# Debian's programs first: the tests start python3 thousands of times, and a
# version manager's shim ahead in PATH (pyenv's here: 0.39 s a start against
# 0.05 s for /usr/bin/python3) made the suites several times slower.  The
# tests need only Debian's packages (scripts/deps.sh).
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
jobs=$(nproc)
# Two tests per CPU: most integration tests wait on a peer, a poll or a timer
# (CTEST_JOBS=N overrides).
ctest_jobs=${CTEST_JOBS:-$((jobs * 2))}

"$top/scripts/deps.sh" --test

full=1
[ "${1:-}" = "--quick" ] && full=0

build() {       # build BUILD-DIR CMAKE-ARGS...
  local dir=$1; shift
  cmake -S "$top" -B "$dir" -DPRINTGATE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

run_suite() {   # run_suite BUILD-DIR
  # Only the tests that start avahi-daemon hold a RESOURCE_LOCK; the longest
  # start first (COST, tests/CMakeLists.txt).
  (cd "$1" && ctest -j"$ctest_jobs" --output-on-failure --timeout 900)
}

echo "== build (-Werror) =="
build "$top/build-ci"
if [ $full = 1 ]; then
  echo "== build (ASan + UBSan) =="
  build "$top/build-asan" -DPRINTGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  # libFuzzer harnesses (docs/fuzzing.md): a clang build of their own, each
  # harness fuzzing a copy of its seed corpus for 60 s; a crash fails.
  echo "== build (libFuzzer) =="
  CC=clang CXX=clang++ cmake -S "$top" -B "$top/build-fuzz" -DPRINTGATE_FUZZ=ON -DPRINTGATE_SANITIZE=ON >/dev/null
  cmake --build "$top/build-fuzz" -j"$jobs" --target fuzzers

  # The suites leave about a CPU of two idle (their tests mostly wait): the
  # harnesses fuzz meanwhile in one lane per two CPUs at nice 19, so they
  # take only what the tests leave, and in one lane per CPU once the suites
  # are done.  Each
  # still fuzzes for its 60 s.  Its own process group, stopped if we fail.
  lanes="$top/build-fuzz/fuzz-lanes"
  echo $(( jobs > 1 ? jobs / 2 : 1 )) > "$lanes"
  # setsid makes a session, and with the scheduler's autogroups (on by
  # default in Debian's kernels: /proc/sys/kernel/sched_autogroup_enabled)
  # a session's processes share one fair slot of the CPU whatever their
  # nice: the fuzzers took a CPU of two beside the whole suite.  So the new
  # session first gives its own autogroup nice 19 (written from inside it:
  # from here it would race the setsid and lower this script's group).
  FUZZ_LANES_FILE=$lanes setsid bash -c \
    'if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup || echo "note: autogroup nice not set"; fi
     exec nice -n 19 "$0" "$@"' "$top/tests/fuzz/run-fuzzers.sh" "$top/build-fuzz" 60 \
    > "$top/build-fuzz/fuzz-run.log" 2>&1 &
  fuzz_pid=$!
  trap 'kill -TERM -- -"$fuzz_pid" 2>/dev/null || true' EXIT
fi

echo "== tests (-Werror) =="
run_suite "$top/build-ci"
if [ $full = 1 ]; then
  echo "== tests (ASan + UBSan) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$top/build-asan"

  echo "== fuzzing (libFuzzer, 60 s per harness) =="
  echo "$jobs" > "$lanes"
  fuzz_rc=0
  wait "$fuzz_pid" || fuzz_rc=$?
  trap - EXIT
  cat "$top/build-fuzz/fuzz-run.log"
  [ $fuzz_rc = 0 ]
fi
echo "== all tests passed =="
