#!/usr/bin/env bash
# formats-bench.sh - the time to a held PDF for each format issue 15 added,
# through printgated's whole submission pipeline (`printgate job submit`
# returns when the job is held: spool, helper, Office pool, checks, store),
# beside the library's own command-line tool where there is one
# (rsvg-convert for SVG, xpstopdf for XPS), same files, same run.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/formats-bench.sh [ROUNDS]
#
# The daemon runs with one Office instance (its start-up is not counted:
# the bench waits until it is ready) and CountColorPages yes (the default).
# Medians of ROUNDS (default 5).  A benchmark: prints numbers, never fails
# on them.
set -u
ROUNDS=${1:-5}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
peers_init
W=$PEERS_DIR
T=$(mktemp -d /dev/shm/pgbench.XXXXXX)
chmod 0711 "$T"
S=$GW_SOURCE_DIR
O=$S/tests/data/office

gw_start "OfficeWorkers 1" "OfficeTmpDir $T/office" "ConversionDir $T/conv" "MaxHeldJobsPerUser 100000"
gw user add bench >/dev/null
for _ in $(seq 900); do
  grep -q 'Office instance 0 started' "$GW_LOG" && break
  sleep 0.1
done

gs -q -dSAFER -sDEVICE=xpswrite -o "$W/three.xps" "$S/tests/data/convert/three-pages.ps" >/dev/null 2>&1
FILES=("$S/tests/data/convert/sample.svg" "$W/three.xps" "$S/tests/data/convert/mail-multipart.eml"
       "$O/sample.odg" "$O/sample.dotx" "/usr/lib/libreoffice/share/template/common/presnt/Progress.otp"
       "$O/calc.csv" "/usr/share/doc/base-passwd/users-and-groups.html")
[ -r /usr/share/doc/postgresql-common/dependencies.svg ] && FILES+=(/usr/share/doc/postgresql-common/dependencies.svg)

peer() {       # peer FILE: the library's own tool, when there is one
  case "$1" in
    *.svg) rsvg-convert -f pdf -o "$W/peer.pdf" "$1" ;;
    *.xps) xpstopdf "$1" "$W/peer.pdf" ;;
  esac
}

# One submission of each first (the pool loads Writer, Calc, Impress, Draw on first use).
for f in "${FILES[@]}"; do gw job submit --user bench "$f" >/dev/null 2>&1; done

echo "formats-bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds, medians"
printf '%-28s %8s %12s %12s\n' "file" "format" "held after" "own tool"
for f in "${FILES[@]}"; do
  h=(); p=()
  for _ in $(seq "$ROUNDS"); do
    h+=("$(time_ms gw job submit --user bench "$f")")
    case "$f" in *.svg|*.xps) p+=("$(time_ms peer "$f")") ;; esac
  done
  fmt=$(grep -o "held: [a-z0-9-]* converted" "$GW_LOG" | tail -1 | cut -d' ' -f2)
  printf '%-28s %8s %9s ms %12s\n' "$(basename "$f")" "$fmt" "$(median "${h[@]}")" \
         "$([ ${#p[@]} -gt 0 ] && echo "$(median "${p[@]}") ms" || echo -)"
done

gw_stop TERM
rm -rf "$T"
