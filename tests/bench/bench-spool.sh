#!/bin/bash
#
# bench-spool.sh - run the encrypted spool benchmark (bench-spool.c) from a
#                  build dir: spool encrypt+write and read+decrypt of a
#                  500 MB file, side by side with a plain copy and a plain
#                  read of the same file, 3 runs, medians and ratios.
#
# Usage: tests/bench/bench-spool.sh BUILD_DIR [bench-spool options]
#        e.g. tests/bench/bench-spool.sh build -s 500 -n 3 -d /var/tmp
#
# The temporary files go to -d DIR (default $TMPDIR or /tmp): choose a
# folder on the file system the spool will live on.  It needs about 3x the
# file size free (source, plain copy, spool file).

set -euo pipefail

if [ $# -lt 1 ]; then
  echo "Usage: $0 BUILD_DIR [-s MB] [-n runs] [-d dir] [-f source-file]" >&2
  exit 2
fi

build="$1"
shift
bench="$build/tests/bench/bench-spool"

if [ ! -x "$bench" ]; then
  echo "$0: $bench not found; build it first (cmake --build $build --target bench-spool)" >&2
  exit 1
fi

echo "Machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(openssl version 2>/dev/null || echo 'openssl ?')"
exec "$bench" "$@"
