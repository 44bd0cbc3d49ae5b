#!/usr/bin/env bash
# test.sh - install what is missing, build, and run the whole test suite:
# a -Werror build and an ASan+UBSan build, each running every ctest test.
#
#   scripts/test.sh            everything (what CI runs), then 60 s of
#                              fuzzing per libFuzzer harness (clang build)
#   scripts/test.sh --quick    the -Werror build only
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
# Two tests per CPU: most integration tests wait on a peer, a poll or a timer
# (CTEST_JOBS=N overrides).
ctest_jobs=${CTEST_JOBS:-$((jobs * 2))}

"$top/scripts/deps.sh" --test

run_suite() {   # run_suite BUILD-DIR CMAKE-ARGS...
  local dir=$1; shift
  cmake -S "$top" -B "$dir" -DPRINTGATE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  # Only the tests that start avahi-daemon hold a RESOURCE_LOCK; the longest
  # start first (COST, tests/CMakeLists.txt).
  (cd "$dir" && ctest -j"$ctest_jobs" --output-on-failure --timeout 900)
}

echo "== build + tests (-Werror) =="
run_suite "$top/build-ci"

if [ "${1:-}" != "--quick" ]; then
  echo "== build + tests (ASan + UBSan) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$top/build-asan" -DPRINTGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
if [ "${1:-}" != "--quick" ]; then
  # libFuzzer harnesses (docs/fuzzing.md): a clang build of their own, each
  # harness fuzzing a copy of its seed corpus for 60 s; a crash fails.
  echo "== fuzzing (libFuzzer, 60 s per harness) =="
  CC=clang CXX=clang++ cmake -S "$top" -B "$top/build-fuzz" -DPRINTGATE_FUZZ=ON -DPRINTGATE_SANITIZE=ON >/dev/null
  cmake --build "$top/build-fuzz" -j"$jobs" --target fuzzers
  "$top/tests/fuzz/run-fuzzers.sh" "$top/build-fuzz" 60
fi
echo "== all tests passed =="
