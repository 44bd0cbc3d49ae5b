#!/usr/bin/env bash
# mail-bench.sh - issue 12's mail measurements against the mail rig
# (tests/lib/mail-rig.sh: private Dovecot + Postfix on loopback), with the
# peers in the same run:
#
#   GW_BUILD_DIR=build GW_SOURCE_DIR=. tests/bench/mail-bench.sh [MESSAGES] [SINGLES]
#
# 1. End-to-end rate: MESSAGES (300) messages with 1-3 small PDFs each are
#    injected by SMTP while printgated is stopped; then the time from its
#    start until every attachment is held and every reply is sent, against
#    the time `curl` takes to just fetch the same messages from the same
#    IMAPS server (one connection, URL globbing).  Target: >= 0.5 of the raw
#    fetch rate, with CountColorPages no.  The conversion share: the same
#    number of the same PDFs submitted straight to the core (gw-submit
#    --no-wait, all at once) until held, in the same run.
# 2. Delivery-to-held latency with IDLE: SINGLES (20) messages, one at a
#    time, one PDF each; from the SMTP injection's end to the job held
#    (polled every 20 ms).  p50, p99 (the max at 20), against the bare
#    conversion of the PDF through the core.  Target: p50 < 1 s + conversion.
# 3. printgated's RSS (VmRSS every 0.5 s) while the MESSAGES stream
#    through: the series as a small figure, first / max / last.
# 4. With MAIL_BENCH_AB=1, the batch again (MESSAGES new messages) with
#    in-flight=1 (one message at a time, as before the window), in the same
#    run: the window's gain on the same machine and load.
# The source's window is the default (2 x ConversionWorkers) unless
# MAIL_IN_FLIGHT says otherwise.
set -u
MESSAGES=${1:-300}
SINGLES=${2:-20}
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
. "$GW_SOURCE_DIR/tests/lib/bench.sh"
. "$GW_SOURCE_DIR/tests/lib/fake-ms.sh"
peers_init
W=$PEERS_DIR
fakems_rig_start
PRINT_MD="$MAILRIG_DIR/mail/print@example.test/Maildir"
ALICE_MD="$MAILRIG_DIR/mail/alice@example.test/Maildir"
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }

gw_make_pdf "$W/doc.pdf" 1 "Mail benchmark"

# inject N FIRST: N messages from alice to print@, message i with 1 + i % 3 PDFs, one SMTP session.
inject() {
  /usr/bin/python3 - "$1" "$2" "$MAILRIG_SMTP" "$W/doc.pdf" <<'PY'
import sys, smtplib, email.message, email.utils
n, first, port, pdf = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], "rb").read()
s = smtplib.SMTP("127.0.0.1", port)
for i in range(first, first + n):
    m = email.message.EmailMessage()
    m["Authentication-Results"] = "mx.example.test; spf=pass smtp.mailfrom=alice@example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
    m["From"] = "Alice <alice@example.test>"; m["To"] = "print@example.test"; m["Subject"] = "bench %d" % i
    m["Message-ID"] = email.utils.make_msgid(domain="example.test")
    m.set_content("Please print.\n")
    for j in range(1, 2 + i % 3 if n > 1 else 2):
        m.add_attachment(pdf, maintype="application", subtype="pdf", filename="bench-%d-%d.pdf" % (i, j))
    s.sendmail("alice@example.test", ["print@example.test"], m.as_bytes())
s.quit()
PY
}

in_inbox() { find "$PRINT_MD/new" "$PRINT_MD/cur" -type f | wc -l; }
held_now() { gw --json status | gw_json_field held_jobs; }
direct_done() {   # every job of user direct has left receiving/converting
  gw job list --user direct > "$W/direct.txt" && [ "$(awk '$2 == "direct" && ($3 == "converting" || $3 == "receiving")' "$W/direct.txt" | wc -l)" = 0 ] &&
    [ "$(awk '$2 == "direct"' "$W/direct.txt" | wc -l)" -gt 0 ]
}
sent_now() { gw outbox list --state sent | awk '$2 == "sent"' | wc -l; }

ATTACH=0
for ((i = 1; i <= MESSAGES; i ++)); do ATTACH=$((ATTACH + 1 + i % 3)); done

cat > "$W/sources" <<EOF
bench imaps://localhost:$MAILRIG_IMAPS/INBOX user=print@example.test password=printpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=60${MAIL_IN_FLIGHT:+ in-flight=$MAIL_IN_FLIGHT}
EOF
chmod 600 "$W/sources"
gw_start "LogLevel warn" "MaxHeldJobsPerUser 100000" "CountColorPages no" "ConversionQueue 1000" "MailSourceFile $W/sources" \
         "SmtpServer localhost:$MAILRIG_SUBMISSION" "SmtpTLS required" "SmtpCAFile $MAILRIG_CA" \
         "SmtpUser print@example.test" "SmtpPassword printpw" "SmtpFrom print@example.test" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
gw user add direct >/dev/null
gw_stop

# ---- 1. the batch, and the raw fetch -------------------------------------------------------
inject "$MESSAGES" 1
for ((i = 0; i < 600 && $(in_inbox) < MESSAGES; i ++)); do sleep 0.1; done
echo "injected $(in_inbox) messages ($ATTACH PDFs, $(du -sk "$PRINT_MD" | cut -f1) kB in the mailbox)"
mkdir -p "$W/fetch"
t0=$(ms)
curl -sS --cacert "$MAILRIG_CA" -u print@example.test:printpw "imaps://localhost:$MAILRIG_IMAPS/INBOX;UID=[1-$MESSAGES]" -o "$W/fetch/#1.eml"
t_fetch=$(( $(ms) - t0 ))
echo "peer: curl fetched $(ls "$W/fetch" | wc -l) messages in $t_fetch ms ($(( MESSAGES * 1000 / (t_fetch > 0 ? t_fetch : 1) )) messages/s), one IMAPS connection"

t0=$(ms)
gw_restart || exit 1
start_ms=$(( $(ms) - t0 ))
: > "$W/rss.txt"
( while kill -0 "$GW_PID" 2>/dev/null; do echo "$(( $(ms) - t0 )) $(rss_kb "$GW_PID")" >> "$W/rss.txt"; sleep 0.5; done ) &
RSS_PID=$!
peers_track "$RSS_PID"
while [ "$(held_now)" -lt "$ATTACH" ] || [ "$(sent_now)" -lt "$MESSAGES" ]; do
  sleep 0.2
  [ $(( $(ms) - t0 )) -gt 900000 ] && { echo "gave up after 900 s: held $(held_now) of $ATTACH, replies sent $(sent_now) of $MESSAGES"; break; }
done
t_mail=$(( $(ms) - t0 ))
t_held=$t_mail
echo "printgated (window $(curl -sk "https://127.0.0.1:$GW_PORT/health" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["frontends"]["mail"]["sources"][0]["window"])' 2>/dev/null)): $MESSAGES messages -> $(held_now) held, $(sent_now) replies sent in $t_mail ms ($(( MESSAGES * 1000 / t_mail )).$(( MESSAGES * 10000 / t_mail % 10 )) messages/s; start-up $start_ms ms), $(in_inbox) left in the inbox"
awk -v f="$t_fetch" -v m="$t_mail" 'BEGIN { printf "ratio: %.2f of the raw fetch rate (target >= 0.50)\n", f / m }'
kill "$RSS_PID" 2>/dev/null

# The same PDFs straight into the core, all at once: the conversion's share.
t0=$(ms)
"$GW_TOOLS/gw-submit" --no-wait --count "$ATTACH" "$GW_STATE/printgated.sock" direct "$W/doc.pdf" > "$W/direct.out" 2>&1 || echo "note: gw-submit: $(tail -1 "$W/direct.out")"
until direct_done; do sleep 0.2; [ $(( $(ms) - t0 )) -gt 600000 ] && break; done
t_conv=$(( $(ms) - t0 ))
n_conv=$(gw job list --user direct | awk '$3 == "held"' | wc -l)
echo "core alone: $n_conv of $ATTACH PDFs submitted at once (gw-submit --no-wait, one connection) -> held in $t_conv ms"
awk -v c="$t_conv" -v n="$n_conv" -v a="$ATTACH" -v m="$t_mail" 'BEGIN { if (n > 0) printf "conversion share: %.0f %% of the mail run (the core alone, scaled to %d PDFs; the rest: IMAP fetch, MIME walk, submissions, waiting for outcomes, replies)\n", 100 * c * a / n / m, a }'

# ---- 3. RSS ----------------------------------------------------------------------------------
awk '{ if (NR == 1) first = $2; if ($2 > max) max = $2; last = $2; n ++; v[n] = $2; t[n] = $1 }
     END {
       printf "RSS while %s messages streamed: first %.1f MB, max %.1f MB, last %.1f MB (%d samples)\n", M, first / 1024, max / 1024, last / 1024, n
       step = n > 20 ? int(n / 20) : 1
       for (i = 1; i <= n; i += step) { bar = ""; for (k = 0; k < v[i] / 1024; k += 1) bar = bar "#"; printf "  %6.1f s %6.1f MB %s\n", t[i] / 1000, v[i] / 1024, bar }
     }' M="$MESSAGES" "$W/rss.txt"

# ---- 4. the same batch, one message at a time (in-flight=1) ----------------------------------
if [ "${MAIL_BENCH_AB:-0}" = 1 ]; then
  h0=$(held_now)
  s0=$(sent_now)
  gw_stop TERM
  sed -i 's/ in-flight=[0-9]*//; s/$/ in-flight=1/' "$W/sources"
  inject "$MESSAGES" $((MESSAGES + 1))
  for ((i = 0; i < 600 && $(in_inbox) < MESSAGES; i ++)); do sleep 0.1; done
  t0=$(ms)
  gw_restart || exit 1
  while [ "$(held_now)" -lt $((h0 + ATTACH)) ] || [ "$(sent_now)" -lt $((s0 + MESSAGES)) ]; do
    sleep 0.2
    [ $(( $(ms) - t0 )) -gt 900000 ] && { echo "gave up after 900 s"; break; }
  done
  t_one=$(( $(ms) - t0 ))
  echo "printgated, in-flight=1 (one message at a time), same run: $MESSAGES messages in $t_one ms ($(( MESSAGES * 1000 / t_one )).$(( MESSAGES * 10000 / t_one % 10 )) messages/s)"
  awk -v a="$t_one" -v b="$t_mail" 'BEGIN { printf "window gain: %.2f x (in-flight=1 %d ms / window %d ms)\n", a / b, a, b }'
fi

# ---- 2. single-message latency with IDLE ----------------------------------------------------
lat=()
for ((k = 1; k <= SINGLES; k ++)); do
  h=$(held_now)
  inject 1 $((100000 + k)) 2>/dev/null
  t0=$(ms)
  while [ "$(held_now)" -le "$h" ]; do sleep 0.02; [ $(( $(ms) - t0 )) -gt 60000 ] && break; done
  lat+=($(( $(ms) - t0 )))
  sleep 0.3
done
conv=()
for ((k = 1; k <= 5; k ++)); do
  conv+=($(time_ms "$GW_TOOLS/gw-submit" "$GW_STATE/printgated.sock" direct "$W/doc.pdf"))
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
p50=$(echo "$sorted" | median)
p99=$(echo "$sorted" | awk '{ a[NR] = $1 } END { i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; print a[i] }')
cmed=$(median "${conv[@]}")
echo "latency, SMTP injection to held with IDLE ($SINGLES single messages, one PDF): p50 $p50 ms, p99 $p99 ms, min $(echo "$sorted" | head -1) ms"
echo "peer: the same PDF submitted straight to the core until held (conversion): median $cmed ms of 5"
awk -v p="$p50" -v c="$cmed" 'BEGIN { printf "p50 - conversion = %d ms (target < 1000 ms)\n", p - c }'
gw_stop TERM
