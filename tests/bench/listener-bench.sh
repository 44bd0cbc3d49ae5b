#!/usr/bin/env bash
# listener-bench.sh - the HTTPS listener of a running printgated: threads
# and /health latency with many connections open, and /health throughput.
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/listener-bench.sh [HELD]
#
# 1. printgated's threads (/proc/PID/task) idle, then with HELD TLS
#    connections (default 200) that have sent half a request header and
#    wait (as slow clients or deferred requests would), and the time of a
#    /health request meanwhile;
# 2. 500 /health requests, each on a new TLS connection, 50 at once
#    (curl --parallel): wall time and requests per second;
# 3. 500 /health requests on one kept-alive connection: wall time.
# Peer: the same 500 sequential requests served by `openssl s_server -www`
# (a single-threaded TLS server) on the same machine, for scale.
set -u
HELD=${1:-200}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
W=$PEERS_DIR
gw_start "LogLevel warn" "MaxConnections 1024" "HeaderTimeout 60"
URL="https://127.0.0.1:$GW_PORT/health"
threads() { ls "/proc/$GW_PID/task" | wc -l; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

idle=$(threads)
python3 - "$GW_PORT" "$HELD" > "$W/held.out" <<'EOF' &
import socket, ssl, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
held = []
for i in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
    held.append(s)
print("held", len(held), flush=True)
time.sleep(8)
EOF
HPID=$!
for i in $(seq 100); do grep -q held "$W/held.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
busy=$(threads)
t0=$(now_ms); code=$(curl -sk -o /dev/null -w '%{http_code}' "$URL"); t1=$(now_ms)
echo "threads of printgated: $idle idle, $busy with $(sed -n 's/held //p' "$W/held.out") connections waiting; /health meanwhile: $code in $((t1 - t0)) ms"
wait "$HPID"

for i in $(seq 500); do echo "url = \"$URL\""; echo "output = /dev/null"; done > "$W/urls"
t0=$(now_ms)
curl -sk --parallel --parallel-max 50 -H 'Connection: close' -K "$W/urls" 2>/dev/null
t1=$(now_ms)
awk -v ms=$((t1 - t0)) 'BEGIN{ printf "500 x /health, new TLS connection each, 50 at once: %d ms (%.0f requests/s)\n", ms, 500000 / ms }'

t0=$(now_ms)
curl -sk -K "$W/urls"
t1=$(now_ms)
awk -v ms=$((t1 - t0)) 'BEGIN{ printf "500 x /health on one kept-alive connection: %d ms (%.2f ms each)\n", ms, ms / 500 }'

# Peer: openssl s_server -www, the same 500 sequential requests
SPORT=$(peers_free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost -keyout "$W/k.pem" -out "$W/c.pem" 2>/dev/null
openssl s_server -accept "$SPORT" -cert "$W/c.pem" -key "$W/k.pem" -www -quiet >/dev/null 2>&1 &
SPID=$!
peers_track "$SPID"
for i in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$SPORT/" && break; sleep 0.1; done
sed "s|$URL|https://127.0.0.1:$SPORT/|" "$W/urls" > "$W/surls"
t0=$(now_ms)
curl -sk -K "$W/surls"
t1=$(now_ms)
awk -v ms=$((t1 - t0)) 'BEGIN{ printf "peer: openssl s_server -www, the same 500 requests: %d ms (%.2f ms each)\n", ms, ms / 500 }'
peers_stop "$SPID"
gw_stop TERM
