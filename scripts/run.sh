#!/usr/bin/env bash
# run.sh - install what is missing, build, and start printgated in the
# foreground on its embedded defaults, with a config and state dir inside
# the checkout (run/), so no root paths are needed to try it.
#
#   scripts/run.sh [extra printgated options]
#
# First run prints the admin account's one-time password.  Ctrl-C stops it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/scripts/deps.sh"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target printgated printgate printgate-reaper printgate-convert printgate-convert-pdf printgate-office-sandbox

mkdir -p "$top/run"
conf="$top/run/printgate.conf"
if [ ! -f "$conf" ]; then
  cat > "$conf" <<EOC
# Local trial configuration written by scripts/run.sh (see docs/configuration.md).
StateDir $top/run/state
ListenPort ${PRINTGATE_PORT:-8631}
EOC
fi

echo "Config: $conf"
echo "CLI:    $top/build/gateway/printgate -c $conf status"
exec "$top/build/gateway/printgated" -c "$conf" "$@"
