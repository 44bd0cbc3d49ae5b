#!/usr/bin/env bash
# policy-bench.sh - what the print policy costs per submission and per
# release with 100 rules, beside the release latency, in one run:
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/policy-bench.sh [ROUNDS]
#
# 1. bench-policy (the core's hooks timed in process, 100 rules against
#    none): the decision at submission, the submission hook (with its job
#    row update), the release hook (facts, evaluation, quota sums).
# 2. release-latency.sh (the reference: PIN -> printed, no rules).
# 3. End to end through printgated, alternating in one run: a release of a
#    10-page PDF with no rules, and with the same 100 rules loaded of which
#    one puts the user under a page quota (so each printed job also adds
#    its pages to the usage table, one store commit).
# Prints the medians and the policy's share of the release latency
# (target: under 1 %).
set -u
ROUNDS=${1:-15}
B=$GW_BUILD_DIR
"$B/tests/bench/bench-policy" -n 5000 -r 100 | tee /tmp/policy-bench.$$ | grep -v '^First run'
GW_BENCH_POLICY_OUT=$(cat /tmp/policy-bench.$$); rm -f /tmp/policy-bench.$$
echo
bash "$GW_SOURCE_DIR/tests/bench/release-latency.sh" "$ROUNDS" | tee /tmp/release-latency.$$ | sed -n '1,4p'
REL=$(sed -n 's/.*printgate release (PIN -> printed): \([0-9.]*\) ms.*/\1/p' /tmp/release-latency.$$); rm -f /tmp/release-latency.$$
echo

. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Policy Bench" application/pdf
W=$PEERS_DIR
gw_start "LogLevel info"
gw_make_pdf "$W/ten.pdf" 10 "Policy benchmark"
gw user add bench --role guest >/dev/null
gw printer add bench "ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print" >/dev/null
PIN=$(gw pin new bench)
"$B/tests/bench/bench-policy" -p 100 > "$W/rules.txt"
: > "$W/none.txt"
: > "$W/off.ms"; : > "$W/on.ms"
for r in $(seq "$ROUNDS"); do
  for mode in off on; do
    gw rule load "$W/$([ $mode = on ] && echo rules || echo none).txt" >/dev/null
    gw job submit --user bench "$W/ten.pdf" >/dev/null
    sleep 0.3
    t0=${EPOCHREALTIME/./}; echo "$PIN" | gw release --pin - --printer bench >/dev/null || echo "release failed ($mode)" >&2; t1=${EPOCHREALTIME/./}
    echo $(( (t1 - t0) / 100 )) | sed 's/\(.\)$/.\1/' >> "$W/$mode.ms"
  done
done
off=$(median < "$W/off.ms"); on=$(median < "$W/on.ms")
echo "End to end, $ROUNDS rounds alternating, medians (PIN -> printed, 10-page PDF):"
echo "  no rules:                         ${off} ms   [$(tr '\n' ' ' < "$W/off.ms")]"
echo "  100 rules, user under a quota:    ${on} ms   [$(tr '\n' ' ' < "$W/on.ms")]"
check "the quota counted every printed page" sh -c "$PRINTGATE -c $GW_CONF quota show bench | grep -q \"$(( 100000 - 10 * ROUNDS )) of 100000 page(s)\""
gw_stop TERM

p50() {   # p50 WHAT RULES: the hook's median (us) from bench-policy's output
  echo "$GW_BENCH_POLICY_OUT" | awk -v w="$1" -v r="$2" '$1 == w && $2 == r { print $8 }'
}
echo
echo "Policy share of the release latency (release-latency.sh median ${REL} ms):"
for what in decision submission release; do
  awk -v w="$what" -v c="$(p50 "$what" 100)" -v z="$(p50 "$what" 0)" -v rel="$REL" \
      'BEGIN { printf "  %-10s 100 rules: p50 %6.1f us (no rules %5.1f us) = %.2f %% of a release (target < 1 %%): %s\n", w, c, z, 100 * c / (rel * 1000), (100 * c / (rel * 1000) < 1 ? "met" : "NOT met") }'
done
awk -v on="$on" -v off="$off" 'BEGIN { printf "  end to end: %+.1f ms (%+.1f %%) with 100 rules and a quota\n", on - off, 100 * (on - off) / off }'
gw_finish
