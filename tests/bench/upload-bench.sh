#!/usr/bin/env bash
# upload-bench.sh - browser-sized uploads over TLS: printgated's raw upload
# route against a bare libmicrohttpd server that only discards the body
# (tests/tools/mhd-discard, the listener's TLS set-up), same machine, same
# run, same bytes.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/upload-bench.sh [MB] [CLIENTS] [EACH_MB]
#
# 1. One upload of MB (default 200) MB, curl -T (streamed, Content-Length)
#    POST over TLS: throughput for each, the ratio, and the peak RSS growth
#    of each server during the upload (VmRSS sampled every 50 ms from
#    /proc/PID/status, and VmHWM before/after).
#    Targets: printgated >= 70 % of the peer's throughput, RSS growth < 16 MB.
#    The same document then goes through the upload form (POST /jobs/upload,
#    multipart/form-data) for its own line.  GW_UPLOAD_PERF=DIR records a
#    perf profile of each server during its upload (perf.NAME.data).
#    GW_UPLOAD_PAIRS=N repeats the peer/printgated pair N times in all (each
#    printgated upload once the last one has converted) and prints the
#    medians and the median ratio.
# 2. CLIENTS (default 50) concurrent uploads of EACH_MB (default 5) MB, one
#    user each: all answered 200, none lost (the peer's replies carry the
#    byte count; printgated's jobs are counted held), the time to finish,
#    and meanwhile the p50/p99 of GET /jobs for one more user (on the peer:
#    of a GET, for scale).
#
# printgated's side uses POST /api/v1/jobs (the web portal's raw-body
# upload: the document is the body, Content-Type its type, ?name= its
# name) in a session of a test user (password sign-in, cookie + CSRF
# token, as the portal's own script does).  The route is
# probed first: while it does not exist (404) the script says "gateway
# upload route not present" and measures the peer alone; the same for
# GET /jobs.  GW_UPLOAD_PATH and GW_JOBS_PATH name other routes.  Build
# everything first (printgated needs printgate-convert to hold a job).
# Exit status 0 unless a server could not be started.
set -u
MB=${1:-200}
CLIENTS=${2:-50}
EACH=${3:-5}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
peers_init
W=$PEERS_DIR
DISCARD="$GW_BUILD_DIR/tests/mhd-discard"
UPLOAD_PATH=${GW_UPLOAD_PATH:-/api/v1/jobs}
JOBS_PATH=${GW_JOBS_PATH:-/jobs}

if [ ! -x "$DISCARD" ]; then
  echo "upload-bench: $DISCARD is missing (cmake --build $GW_BUILD_DIR --target mhd-discard)" >&2
  exit 1
fi

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status" 2>/dev/null; }
# task_cpu PID: "TID ms" of each thread of PID (user + system CPU so far)
task_cpu() {
  local t
  for t in /proc/"$1"/task/*; do
    awk -v tid="${t##*/}" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%s %d\n", tid, ($12 + $13) * 1000 / hz }' "$t/stat" 2>/dev/null
  done
}
# busiest_ms BEFORE AFTER: the largest CPU growth of one thread in both
# (task_cpu) snapshots: the thread that reads the network (the peer's and
# printgated's pool thread); printgated's spool threads end with the upload
# and count only in the process total.
busiest_ms() { awk 'NR == FNR { a[$1] = $2; next } ($1 in a) && $2 - a[$1] > m { m = $2 - a[$1] } END { print m + 0 }' "$1" "$2"; }
# cpu_ms PID: user + system CPU time of PID (all its threads) so far, in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null; }
mb1() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }   # kB -> "12.3" (MB)

percentile() {   # percentile P FILE: the P-th percentile (nearest rank) of the numbers in FILE
  sort -n "$2" | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print a[i] }'
}

# sampler PID FILE: append PID's VmRSS (kB) to FILE every 50 ms until killed
sampler() {
  while kill -0 "$1" 2>/dev/null; do
    rss_kb "$1" >> "$2"
    sleep 0.05
  done
}

# upload_one NAME PID URL FILE [CURL ARGS...]: one streamed POST of FILE;
# prints the line for NAME and sets SPEED (bytes/s), GROWTH_KB, REPLY, CODE.
upload_one() {
  local name=$1 pid=$2 url=$3 file=$4 base hwm0 hwm1 spid peak out ppid= cpu0
  shift 4
  base=$(rss_kb "$pid"); hwm0=$(hwm_kb "$pid"); cpu0=$(cpu_ms "$pid"); task_cpu "$pid" > "$W/tasks0"
  : > "$W/rss.$name"
  sampler "$pid" "$W/rss.$name" &
  spid=$!
  # GW_UPLOAD_PERF=DIR: a perf profile of the server during the upload
  if [ -n "${GW_UPLOAD_PERF:-}" ]; then
    perf record -q -g -p "$pid" -o "$GW_UPLOAD_PERF/perf.${name%% *}.data" 2>/dev/null &
    ppid=$!
    sleep 0.5
  fi
  if [ -n "${UPLOAD_FORM:-}" ]; then   # the multipart form: "csrf" first, then the file
    out=$(curl -sk -o "$W/reply.$name" -w '%{http_code} %{time_total} %{speed_upload}' \
            -F "csrf=$UPLOAD_FORM" -F "files=@$file;type=application/pdf" "$@" "$url")
  else
    out=$(curl -sk -o "$W/reply.$name" -w '%{http_code} %{time_total} %{speed_upload}' -X POST -T "$file" \
            -H 'Content-Type: application/pdf' -H "X-Filename: $(basename "$file")" "$@" "$url")
  fi
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  [ -z "${ppid:-}" ] || { kill -INT "$ppid" 2>/dev/null; wait "$ppid" 2>/dev/null; ppid=; }
  CPU_MS=$(( $(cpu_ms "$pid") - cpu0 ))
  task_cpu "$pid" > "$W/tasks1"
  THREAD_MS=$(busiest_ms "$W/tasks0" "$W/tasks1")
  rss_kb "$pid" >> "$W/rss.$name"
  hwm1=$(hwm_kb "$pid")
  read -r CODE secs SPEED <<< "$out"
  SPEED=${SPEED%.*}
  peak=$(sort -n "$W/rss.$name" | tail -1)
  GROWTH_KB=$(( ${peak:-$base} - base ))
  REPLY=$(head -c 200 "$W/reply.$name" | tr -d '\r\n')
  awk -v n="$name" -v c="$CODE" -v s="$secs" -v b="$SPEED" -v r="$REPLY" \
      -v base="$(mb1 "$base")" -v peak="$(mb1 "${peak:-$base}")" -v g="$(mb1 "$GROWTH_KB")" -v h="$(mb1 $((hwm1 - hwm0)))" -v cpu="$CPU_MS" -v th="$THREAD_MS" \
      'BEGIN { printf "%s: HTTP %s in %.2f s = %.0f MB/s; server CPU %d ms (busiest thread %d ms); RSS %s MB before, peak %s MB (growth %s MB; VmHWM +%s MB); reply \"%s\"\n", n, c, s, b / 1048576, cpu, th, base, peak, g, h, r }'
}

# web_signin USER PASSWORD: sign in on the portal (POST /api/v1/signin/password);
# prints "pg_session=ID CSRF-TOKEN" for the session (curl -b COOKIE -H "X-CSRF-Token: T").
web_signin() {
  local jar="$W/jar.$1" csrf
  csrf=$(curl -sk -c "$jar" -H 'Content-Type: application/json' \
           --data "{\"name\":\"$1\",\"password\":\"$2\"}" "$GW/api/v1/signin/password" |
         sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
  echo "pg_session=$(awk '$6 == "pg_session" { print $7 }' "$jar") $csrf"
}

# parallel_uploads NAME FILE URL OUTDIR [USERS-FILE]: CLIENTS streamed
# POSTs at once (curl --parallel), each its own connection (and its own
# session from USERS-FILE, "COOKIE-JAR CSRF-TOKEN" lines); prints "ok total ms".
parallel_uploads() {
  local name=$1 file=$2 url=$3 dir=$4 users=${5:-} i t0 t1 ok cookie csrf
  mkdir -p "$dir"
  : > "$W/par.$name"
  for i in $(seq "$CLIENTS"); do
    # Each transfer its own option group ("next"): headers and cookies
    # given once would go with every transfer.
    [ "$i" -gt 1 ] && echo "next"
    echo "insecure"
    echo "silent"
    echo "write-out = \"%{http_code}\\n\""
    echo "url = \"$url?name=part$i.pdf\""
    echo "upload-file = \"$file\""
    echo "request = \"POST\""
    echo "header = \"Content-Type: application/pdf\""
    echo "header = \"X-Filename: part$i.pdf\""
    echo "output = \"$dir/reply.$i\""
    if [ -n "$users" ]; then
      read -r cookie csrf <<< "$(sed -n "${i}p" "$users")"
      echo "cookie = \"$cookie\""
      echo "header = \"X-CSRF-Token: $csrf\""
    fi
  done > "$W/par.$name"
  t0=$(ms)
  curl --parallel --parallel-max "$CLIENTS" -K "$W/par.$name" > "$dir/codes" 2>/dev/null
  t1=$(ms)
  ok=$(grep -c '^20[0-9]$' "$dir/codes")
  echo "$ok $(wc -l < "$dir/codes") $((t1 - t0))"
}

# page_loads URL FILE STOPFILE [CURL ARGS...]: GET URL (new TLS connection
# each) until STOPFILE exists; one time_total (ms) per line in FILE.
page_loads() {
  local url=$1 file=$2 stop=$3
  shift 3
  : > "$file"
  while [ ! -e "$stop" ]; do
    curl -sk -o /dev/null -w '%{time_total}\n' "$@" "$url" | awk '{ printf "%.1f\n", $1 * 1000 }' >> "$file"
  done
}

# wait_converted: until none of printgated's jobs is being received or converted
wait_converted() {
  local i
  for i in $(seq 600); do
    gw --json job list | grep -Eq '"state": *"(receiving|converting)"' || return 0
    sleep 0.5
  done
}

# users_held: how many of u1..uCLIENTS have exactly one job, held; and how
# many of their jobs are still being received or converted
users_held() {
  gw --json job list | python3 -c '
import json, sys
n = int(sys.argv[1])
jobs = [j for j in json.load(sys.stdin)["jobs"] if j["owner"] in {"u%d" % i for i in range(1, n + 1)}]
owners = [j["owner"] for j in jobs if j["state"] == "held"]
print(len([o for o in set(owners) if owners.count(o) == 1]), sum(j["state"] in ("receiving", "converting") for j in jobs))' "$CLIENTS"
}

# The documents: valid PDFs (so the gateway holds them), the same bytes for both servers.
gw_make_marked_pdf "$W/big.pdf" $((MB * 1024 * 1024)) "upload benchmark"
gw_make_marked_pdf "$W/each.pdf" $((EACH * 1024 * 1024)) "upload benchmark"
BIG=$(stat -c %s "$W/big.pdf")
echo "documents: one of $BIG bytes, and $CLIENTS x $(stat -c %s "$W/each.pdf") bytes at once"

# ---- the peer ---------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
"$DISCARD" --cert "$W/cert.pem" --key "$W/key.pem" > "$W/discard.out" 2>&1 &
DPID=$!
peers_track "$DPID"
peers_wait_pid "$DPID" 10 grep -q 'listening on port' "$W/discard.out" || { echo "mhd-discard did not start:"; cat "$W/discard.out"; exit 1; }
DPORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$W/discard.out")
echo "peer: $(cat "$W/discard.out")"

echo "== 1. one upload of $MB MB over TLS =="
upload_one "peer (mhd-discard)" "$DPID" "https://127.0.0.1:$DPORT/upload" "$W/big.pdf"
PEER_SPEED=$SPEED PEER_CPU=$CPU_MS PEER_THREAD=$THREAD_MS
[ "$CODE" = 200 ] && [ "$REPLY" = "$BIG" ] || echo "peer: FAILED, the reply is not the byte count $BIG"

# ---- printgated ---------------------------------------------------------------
gw_start "LogLevel warn" "MaxDocumentSize $((MB + 16))M" "MaxHeldJobsPerUser 1000"
GW="https://127.0.0.1:$GW_PORT"
gw user add bench >/dev/null
BENCH_PASS=$(gw user password bench | tail -1)
probe=$(curl -sk -o /dev/null -w '%{http_code}' -X POST --data-binary '' "$GW$UPLOAD_PATH")
if [ "$probe" = 404 ]; then
  HAVE_UPLOAD=0
  echo "printgated: gateway upload route not present (POST $UPLOAD_PATH answers 404): only the peer is measured"
else
  HAVE_UPLOAD=1
  read -r cookie csrf <<< "$(web_signin bench "$BENCH_PASS")"
  [ -n "$csrf" ] || { echo "printgated: password sign-in failed"; exit 1; }
  upload_one "printgated" "$GW_PID" "$GW$UPLOAD_PATH?name=big.pdf" "$W/big.pdf" -b "$cookie" -H "X-CSRF-Token: $csrf"
  GW_SPEED=$SPEED GW_CPU=$CPU_MS GW_THREAD=$THREAD_MS
  awk -v g="$SPEED" -v p="$PEER_SPEED" -v rss="$GROWTH_KB" -v c="$CODE" 'BEGIN {
    r = p > 0 ? 100 * g / p : 0
    printf "printgated / peer: %.0f %% of the peer'"'"'s throughput (target >= 70 %%: %s); RSS growth %.1f MB (target < 16 MB: %s)\n",
      r, (c ~ /^20/ && r >= 70) ? "met" : "NOT met", rss / 1024, rss < 16384 ? "met" : "NOT met" }'
  # The same document through the form for browsers without JavaScript
  # (POST /jobs/upload, multipart/form-data, parsed as it streams), once
  # the first one has converted (its Ghostscript would share the cores)
  wait_converted
  UPLOAD_FORM=$csrf upload_one "printgated-form" "$GW_PID" "$GW/jobs/upload" "$W/big.pdf" -b "$cookie"
  awk -v g="$SPEED" -v p="$PEER_SPEED" -v c="$CODE" 'BEGIN {
    printf "printgated form / peer: %.0f %% of the peer'"'"'s throughput (HTTP %s)\n", (p > 0 ? 100 * g / p : 0), c }'
fi

# ---- 1b. more pairs (GW_UPLOAD_PAIRS=N): on a shared machine one pair says little
if [ "$HAVE_UPLOAD" = 1 ] && [ "${GW_UPLOAD_PAIRS:-1}" -gt 1 ]; then
  : > "$W/pairs"
  echo "$PEER_SPEED $GW_SPEED $PEER_CPU $GW_CPU $PEER_THREAD $GW_THREAD" >> "$W/pairs"
  for i in $(seq 2 "$GW_UPLOAD_PAIRS"); do
    wait_converted
    upload_one "peer (pair $i)" "$DPID" "https://127.0.0.1:$DPORT/upload" "$W/big.pdf" > /dev/null
    p=$SPEED pc=$CPU_MS pt=$THREAD_MS
    upload_one "printgated (pair $i)" "$GW_PID" "$GW$UPLOAD_PATH?name=big$i.pdf" "$W/big.pdf" -b "$cookie" -H "X-CSRF-Token: $csrf" > /dev/null
    echo "$p $SPEED $pc $CPU_MS $pt $THREAD_MS" >> "$W/pairs"
  done
  awk '{ r[NR] = 100 * $2 / $1; a[NR] = $1; b[NR] = $2; pc[NR] = $3; gc[NR] = $4; pt[NR] = $5; gt[NR] = $6
         printf "pair %d: peer %.0f MB/s (CPU %d ms, busiest thread %d), printgated %.0f MB/s (CPU %d ms, busiest thread %d), %.0f %%\n",
                NR, $1 / 1048576, $3, $5, $2 / 1048576, $4, $6, r[NR] }
       function median(x, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
                                        return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
       END { printf "%d pairs, medians: peer %.0f MB/s, printgated %.0f MB/s, ratio %.0f %% (target >= 70 %%: %s); server CPU per upload: peer %d ms, printgated %d ms; busiest thread: peer %d ms, printgated %d ms\n",
                    NR, median(a, NR) / 1048576, median(b, NR) / 1048576, median(r, NR), (median(r, NR) >= 70 ? "met" : "NOT met"), median(pc, NR), median(gc, NR), median(pt, NR), median(gt, NR)
             for (i = 1; i <= NR; i++) if (i == 1 || r[i] < lo) lo = r[i]
             for (i = 1; i <= NR; i++) if (i == 1 || r[i] > hi) hi = r[i]
             printf "ratio range %.0f-%.0f %%; load average now: %s\n", lo, hi, load }' load="$(cut -d' ' -f1-3 /proc/loadavg)" "$W/pairs"
fi

# ---- 2. concurrent uploads ------------------------------------------------------
echo "== 2. $CLIENTS concurrent uploads of $EACH MB =="
rm -f "$W/stop"
page_loads "https://127.0.0.1:$DPORT/jobs" "$W/peer-get.ms" "$W/stop" &
LPID=$!
read -r ok n took <<< "$(parallel_uploads peer "$W/each.pdf" "https://127.0.0.1:$DPORT/upload" "$W/peer-par")"
touch "$W/stop"; wait "$LPID"
lost=0
for i in $(seq "$CLIENTS"); do
  [ "$(tr -d '\n' < "$W/peer-par/reply.$i" 2>/dev/null)" = "$(stat -c %s "$W/each.pdf")" ] || lost=$((lost + 1))
done
echo "peer (mhd-discard): $ok of $CLIENTS answered 200 ($n transfers), $lost replies without the full byte count, all done in $took ms;" \
     "GET meanwhile: $(wc -l < "$W/peer-get.ms") requests, p50 $(percentile 50 "$W/peer-get.ms") ms, p99 $(percentile 99 "$W/peer-get.ms") ms"

if [ "$HAVE_UPLOAD" = 0 ]; then
  echo "printgated: skipped, gateway upload route not present"
else
  for i in $(seq $((CLIENTS + 1))); do
    gw user add "u$i" >/dev/null
    web_signin "u$i" "$(gw user password "u$i" | tail -1)"
  done > "$W/users"
  read -r last_cookie _ <<< "$(tail -1 "$W/users")"
  jobs_code=$(curl -sk -o /dev/null -w '%{http_code}' -b "$last_cookie" "$GW$JOBS_PATH")
  rm -f "$W/stop"
  if [ "$jobs_code" = 404 ]; then
    echo "printgated: GET $JOBS_PATH answers 404: the page-load p99 is skipped"
  else
    page_loads "$GW$JOBS_PATH" "$W/gw-get.ms" "$W/stop" -b "$last_cookie" &
    LPID=$!
  fi
  read -r ok n took <<< "$(parallel_uploads gw "$W/each.pdf" "$GW$UPLOAD_PATH" "$W/gw-par" "$W/users")"
  touch "$W/stop"
  [ "$jobs_code" = 404 ] || wait "$LPID"
  # Every accepted upload must end held (the conversion runs after the answer)
  for i in $(seq 600); do
    read -r held busy <<< "$(users_held)"
    [ "$busy" = 0 ] && break
    sleep 0.5
  done
  echo "printgated: $ok of $CLIENTS answered 2xx ($n transfers) in $took ms; $held of $CLIENTS users have their job held," \
       "$busy still converting (none lost: $([ "$held" -eq "$CLIENTS" ] && echo yes || echo NO))"
  [ "$jobs_code" = 404 ] || echo "printgated: GET $JOBS_PATH for user $((CLIENTS + 1)) meanwhile: $(wc -l < "$W/gw-get.ms") loads, p50 $(percentile 50 "$W/gw-get.ms") ms, p99 $(percentile 99 "$W/gw-get.ms") ms"
fi

peers_stop "$DPID"
gw_stop TERM
