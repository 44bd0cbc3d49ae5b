#!/usr/bin/env bash
# ipp-bench.sh - Print-Job throughput and latency of printgated's IPP intake
# beside a private cupsd (held raw queue) and ippeveprinter -c /bin/true, in
# the same run, with the same load generator (tests/tools/gw-ipp-load.c).
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/ipp-bench.sh [SECONDS] [PHASES]
#
# SECONDS: length of each timed run (default 3).  PHASES: any of "load mem
# pairs" (default "load mem").  ZYGOTE=no: ConversionZygote no (docs/converters.md).  Held throughput has its own script, held-bench.sh.
# RING_WARM (pairs): seconds of an untimed burst that grows the intake ring first (default 2, 0 = none).
#
# load: a 1 MB and a 100 KB PDF, 1, 8 and 32 clients, each with its own
#   kept-alive connection; jobs/s, p50/p99 ms to the response.  TLS for all
#   (printgated ipps with Basic auth for user "bench", its password-check
#   cache warmed by one job of a new user before each run, and each client's
#   first job is not timed; printgated's conversion backlog is drained
#   before and after each of its runs, so no run pays for another's
#   conversions); cupsd with
#   DefaultEncryption Required; ippeveprinter over TLS), then plain HTTP for
#   cupsd and ippeveprinter.  printgated takes no jobs over plain HTTP (its
#   plain port, IppPlainPort, only describes the printer: docs/ipp.md): its
#   TLS numbers are printed against the peers' plain numbers too, labelled so.
#   Also printgated's and cupsd's RSS peak (VmRSS sampled) during the
#   32-client runs.  printgated's conversions of a run's jobs wait while
#   uploads arrive, 5 s at most each (docs/converters.md, "Uploads first"):
#   in a 3 s run they mostly start after it; the drain between runs converts
#   them, so no run pays for another's.
# mem: printgated's RSS with MEMJOBS (default 10,000) held jobs of a small PDF (IPP Print-Job,
#   8 clients), and cupsd's with 10,000 held jobs, each against idle.
set -u
SECS=${1:-3}
PHASES=${2:-load mem}
MEMJOBS=${MEMJOBS:-10000}
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
LOAD="$GW_TOOLS/gw-ipp-load"
WORKERS=$(nproc)
pending() { gw job list | grep -c -E ' (converting|receiving) '; }
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Documents: valid one-page PDFs of 1 MB and 100 KB, and a small one.
gw_make_marked_pdf "$W/1m.pdf" 1048000 "ipp-bench"
gw_make_marked_pdf "$W/100k.pdf" 102000 "ipp-bench"
gw_make_pdf "$W/small.pdf" 1 "ipp-bench"

gw_start "LogLevel warn" "ConversionQueue 10000" "MaxHeldJobsPerUser 100000" "MaxConnections 512" \
         "ConversionWorkers $WORKERS" "ConversionZygote ${ZYGOTE:-yes}"
gw user add bench >/dev/null
PW=$(gw user password bench | tail -1)
GW_URI="ipps://127.0.0.1:$GW_PORT/ipp/print"

start_cupsd() {   # start_cupsd tls|plain [fresh]: a private cupsd with a held raw queue (fresh: none of the jobs it held before)
  [ -n "${PEERS_CUPS_PID:-}" ] && peers_stop "$PEERS_CUPS_PID"
  [ "${2:-}" = fresh ] && rm -rf "$PEERS_DIR/cups/spool" "$PEERS_DIR/cups/cache/job.cache"
  if [ "$1" = tls ]; then
    PEERS_CUPSD_EXTRA="DefaultEncryption Required"
  else
    PEERS_CUPSD_EXTRA=""
  fi
  mkdir -p "$PEERS_DIR/cups/etc/ssl"        # where cupsd makes its self-signed certificate
  chown root:lp "$PEERS_DIR/cups/etc/ssl"; chmod 0770 "$PEERS_DIR/cups/etc/ssl"
  PEERS_CUPSD_LOGLEVEL=warn peers_start_cupsd && peers_cups_add_queue held held || { echo "cupsd did not start"; exit 1; }
  CUPS_URI="ipp://127.0.0.1:$PEERS_CUPS_PORT/printers/held"
}

if [[ " $PHASES " == *" load "* ]]; then
  peers_start_avahi || { echo "avahi did not start"; exit 1; }
  PEERS_IPP_COMMAND=/bin/true peers_start_ippeveprinter bench application/pdf || { echo "ippeveprinter did not start"; exit 1; }
  EVE_URI=$PEERS_IPP_URI
fi

# run NAME PID TLS? URI FILE N [AUTH]: one timed run; prints its line and
# keeps jobs/s in R[NAME]; samples the server's RSS while it runs.
declare -A R P50 P99 RSS
run() {
  local name=$1 pid=$2 tls=$3 uri=$4 file=$5 n=$6 auth=${7:-} out peak=0 v
  local -a opt=(--clients "$n" --seconds "$SECS")
  [ "$tls" = tls ] && opt+=(--tls)
  [ -n "$auth" ] && opt+=(--auth "$auth")
  "$LOAD" "${opt[@]}" "$uri" "$file" > "$W/run.out" 2> "$W/run.err" &
  local lpid=$!
  while kill -0 "$lpid" 2>/dev/null; do
    v=$(rss_kb "$pid"); [ "${v:-0}" -gt "$peak" ] && peak=$v
    sleep 0.2
  done
  wait "$lpid"
  out=$(cat "$W/run.out")
  R[$name]=$(sed -n 's/.*jobs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
  P50[$name]=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  P99[$name]=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")
  RSS[$name]=$peak
  printf '  %-34s %s rss_peak_kb=%s\n' "$name" "$out" "$peak"
  [ -s "$W/run.err" ] && sed 's/^/      /' "$W/run.err" | head -3
  return 0
}

# The password-check cache is refreshed on use now (docs/auth.md), but a
# run still should not pay for a check made by another: every printgated
# run gets a user of its own whose check one untimed job has just made (the
# run's per-client warm-up jobs hit it).
USERS=0
gw_fresh_user() {
  USERS=$((USERS + 1))
  gw user add "bench$USERS" >/dev/null
  GW_AUTH="bench$USERS:$(gw user password "bench$USERS" | tail -1)"
  "$LOAD" --tls --jobs 1 --auth "$GW_AUTH" "$GW_URI" "$W/100k.pdf" >/dev/null 2>&1
  drain
}

drain() {   # wait until printgated has converted everything it took
  local i
  for i in $(seq 900); do [ "$(pending)" = 0 ] && return 0; sleep 0.5; done
}

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

if [[ " $PHASES " == *" load "* ]]; then
  echo "== Print-Job load: ${SECS}s per run, one kept-alive connection per client; generator CPU in % of a core =="
  for mode in tls plain; do
    start_cupsd "$mode"
    for size in 1m 100k; do
      for n in 1 8 32; do
        echo "-- $mode $size N=$n"
        if [ "$mode" = tls ]; then
          gw_fresh_user
          run "gw/tls/$size/$n" "$GW_PID" tls "$GW_URI" "$W/$size.pdf" "$n" "$GW_AUTH"
          drain
        fi
        run "cupsd/$mode/$size/$n" "$PEERS_CUPS_PID" "$mode" "$CUPS_URI" "$W/$size.pdf" "$n"
        run "ippeve/$mode/$size/$n" "$PEERS_IPP_PID" "$mode" "$EVE_URI" "$W/$size.pdf" "$n"
      done
    done
  done
  echo
  echo "== Summary (jobs/s; p50/p99 ms) =="
  printf '%-6s %-5s %3s | %-22s | %-22s %-22s | %-22s %-22s | %s\n' size N "" "printgated TLS" "cupsd TLS" "ippeve TLS" "cupsd plain" "ippeve plain" "ratios gw/cupsd TLS, gw/ippeve TLS, gw(TLS)/cupsd plain, gw(TLS)/ippeve plain"
  for size in 1m 100k; do
    for n in 1 8 32; do
      cell() { printf '%7s %6s/%-7s' "${R[$1]:-}" "${P50[$1]:-}" "${P99[$1]:-}"; }
      printf '%-6s %-5s %3s | %s | %s %s | %s %s | %s %s %s %s\n' "$size" "$n" "" \
        "$(cell gw/tls/$size/$n)" "$(cell cupsd/tls/$size/$n)" "$(cell ippeve/tls/$size/$n)" \
        "$(cell cupsd/plain/$size/$n)" "$(cell ippeve/plain/$size/$n)" \
        "$(ratio "${R[gw/tls/$size/$n]:-}" "${R[cupsd/tls/$size/$n]:-}")" \
        "$(ratio "${R[gw/tls/$size/$n]:-}" "${R[ippeve/tls/$size/$n]:-}")" \
        "$(ratio "${R[gw/tls/$size/$n]:-}" "${R[cupsd/plain/$size/$n]:-}")" \
        "$(ratio "${R[gw/tls/$size/$n]:-}" "${R[ippeve/plain/$size/$n]:-}")"
    done
  done
  echo "RSS peak during the 32-client 1 MB TLS run: printgated ${RSS[gw/tls/1m/32]:-?} kB, cupsd ${RSS[cupsd/tls/1m/32]:-?} kB, ippeveprinter ${RSS[ippeve/tls/1m/32]:-?} kB"
  echo "printgated RSS after: $(rss_kb "$GW_PID") kB; held jobs: $(gw --json status | gw_json_field held_jobs)"
fi

# pairs: printgated and cupsd (TLS) in turns, PAIRS rounds (default 3) of
#   each size in PAIR_SIZES (default 100k) and N = 1, 8, 32, who goes first
#   alternating by round, printgated's backlog drained after each of its runs.
#   A single run samples the host's minute as much as the server (cupsd's
#   own rate moved by ±30 % between runs here), so each ratio is taken
#   within a pair, seconds apart; the summary gives the median of each
#   server's rates, the ratio of the medians and the pairs' lowest and
#   highest ratio.  cupsd slows as its held jobs pile up (docs/benchmarks.md,
#   thirteenth IPP round), so by default the later rounds measure a cupsd
#   holding thousands of jobs; PAIRS_FRESH=1 restarts it with an empty spool
#   before each of its runs (printgated's rate does not fall with its held
#   jobs, and it keeps them).
if [[ " $PHASES " == *" pairs "* ]]; then
  PAIRS=${PAIRS:-3}
  # The intake ring (docs/spool-format.md) grows as it is used and then keeps
  # its size: a gateway that has taken a burst before has it ready.  One
  # untimed burst first (RING_WARM seconds at 8 clients, 0 = none), drained,
  # so the pairs measure that steady state and not the first burst's growth.
  if [ "${RING_WARM:-2}" != 0 ]; then
    gw_fresh_user
    "$LOAD" --clients 8 --seconds "${RING_WARM:-2}" --tls --auth "$GW_AUTH" "$GW_URI" "$W/100k.pdf" | sed 's/^/  ring warm-up: /'
    drain
  fi
  echo "== Print-Job pairs over TLS: ${SECS}s per run, $PAIRS rounds, printgated and cupsd in turns =="
  start_cupsd tls
  declare -A PR
  for round in $(seq "$PAIRS"); do
    for size in ${PAIR_SIZES:-100k}; do
      for n in 1 8 32; do
        echo "-- round $round $size N=$n"
        order="gw cupsd"
        [ $((round % 2)) = 0 ] && order="cupsd gw"
        for who in $order; do
          if [ "$who" = gw ]; then
            gw_fresh_user
            run "gw/$size/$n" "$GW_PID" tls "$GW_URI" "$W/$size.pdf" "$n" "$GW_AUTH"
            drain
          else
            [ "${PAIRS_FRESH:-0}" = 1 ] && start_cupsd tls fresh
            run "cupsd/$size/$n" "$PEERS_CUPS_PID" tls "$CUPS_URI" "$W/$size.pdf" "$n"
          fi
          PR[$who/$size/$n]="${PR[$who/$size/$n]:-} ${R[$who/$size/$n]}"
        done
      done
    done
  done
  echo
  echo "== Pairs summary (jobs/s over TLS; medians of $PAIRS rounds) =="
  printf '%-6s %-4s | %-28s | %-28s | %-9s | %s\n' size N "printgated runs" "cupsd runs" "median ratio" "pair ratios (lowest..highest)"
  median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }
  for size in ${PAIR_SIZES:-100k}; do
    for n in 1 8 32; do
      g=(${PR[gw/$size/$n]}); c=(${PR[cupsd/$size/$n]}); rs=""
      for i in "${!g[@]}"; do rs="$rs $(ratio "${g[$i]}" "${c[$i]:-0}")"; done
      printf '%-6s %-4s | %-28s | %-28s | %-9s | %s\n' "$size" "$n" "${PR[gw/$size/$n]# }" "${PR[cupsd/$size/$n]# }" \
        "$(ratio "$(median <<<"${PR[gw/$size/$n]}")" "$(median <<<"${PR[cupsd/$size/$n]}")")" \
        "$(tr ' ' '\n' <<<"$rs" | grep . | sort -g | sed -n '1p;$p' | paste -sd' ' | sed 's/ /../')"
    done
  done
fi

if [[ " $PHASES " == *" mem "* ]]; then
  echo
  echo "== Memory with 10,000 held jobs (small PDF, Print-Job over IPP, 8 clients) =="
  gw_stop TERM
  rm -rf "$GW_STATE"
  gw_start "LogLevel warn" "ConversionQueue 10000" "MaxHeldJobsPerUser 100000" "MaxConnections 512" \
           "ConversionWorkers $WORKERS" "CountColorPages no" "ConversionZygote ${ZYGOTE:-yes}"
  gw user add bench >/dev/null
  PW=$(gw user password bench | tail -1)
  GW_URI="ipps://127.0.0.1:$GW_PORT/ipp/print"
  sleep 1
  idle=$(rss_kb "$GW_PID")
  "$LOAD" --tls --clients 8 --jobs $(( (MEMJOBS + 7) / 8 - 1 )) --auth "bench:$PW" "$GW_URI" "$W/small.pdf" > "$W/mem.out" 2>&1
  sed 's/^/  /' "$W/mem.out"
  for i in $(seq 900); do
    [ "$(pending)" = 0 ] && break; sleep 1
  done
  sleep 1
  loaded=$(rss_kb "$GW_PID")
  echo "printgated RSS: idle $idle kB, with $(gw --json status | gw_json_field held_jobs) held jobs $loaded kB ($(( (loaded - idle) * 1024 / MEMJOBS )) bytes per job)"
  start_cupsd plain
  sleep 1
  idle=$(rss_kb "$PEERS_CUPS_PID")
  "$LOAD" --clients 8 --jobs $(( (MEMJOBS + 7) / 8 - 1 )) "$CUPS_URI" "$W/small.pdf" > "$W/memc.out" 2>&1
  sed 's/^/  /' "$W/memc.out"
  sleep 1
  loaded=$(rss_kb "$PEERS_CUPS_PID")
  echo "cupsd RSS: idle $idle kB, with $(lpstat -h "127.0.0.1:$PEERS_CUPS_PORT" -o held | wc -l) held jobs $loaded kB ($(( (loaded - idle) * 1024 / MEMJOBS )) bytes per job)"
fi
gw_stop TERM
