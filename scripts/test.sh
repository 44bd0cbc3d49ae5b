#!/usr/bin/env bash
# test.sh - install what is missing, build, and run the whole test suite:
# a -Werror build and an ASan+UBSan build, each running every ctest test.
#
#   scripts/test.sh            everything (what CI runs)
#   scripts/test.sh --quick    the -Werror build only
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

"$top/scripts/deps.sh" --test

run_suite() {   # run_suite BUILD-DIR CMAKE-ARGS...
  local dir=$1; shift
  cmake -S "$top" -B "$dir" -DPRINTGATE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure --timeout 900)
}

echo "== build + tests (-Werror) =="
run_suite "$top/build-ci"

if [ "${1:-}" != "--quick" ]; then
  echo "== build + tests (ASan + UBSan) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$top/build-asan" -DPRINTGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
echo "== all tests passed =="
