#!/usr/bin/env bash
# mail-crash.sh - issue 12's exactly-once test, as the issue words it, against
# the mail rig (tests/lib/mail-rig.sh: private Dovecot + Postfix on loopback):
# 30 messages with 1-3 attachments each (small PDFs, JPEGs and text files)
# for an IMAPS source and 30 more for a POP3S source (done=delete), all
# injected by SMTP; the daemon is killed with SIGKILL at a random moment of
# the batch, restarted, five rounds; then it runs to the end.  Checked:
#  - every attachment is held exactly once (no second job in any state but
#    failed "interrupted", which a kill before the document was kept leaves);
#  - every message got exactly one reply (one outbox row, one Message-ID in
#    the sender's mailbox; a second copy of the same Message-ID is the
#    outbox's documented at-least-once delivery and is reported, not failed);
#  - every IMAP message was moved to Printed, every POP3 message deleted.
# Then SIGHUP: a source added to MailSourceFile starts (the message waiting
# in its mailbox, not read before, is held); a file that does not read
# keeps the running sources.
# Prints the time the batch took.  CountColorPages no: conversion is cheaper.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
N=${MAIL_CRASH_MESSAGES:-30}
ROUNDS=${MAIL_CRASH_ROUNDS:-5}

fakems_rig_start
ALICE_MD="$MAILRIG_DIR/mail/alice@example.test/Maildir"
PRINT_MD="$MAILRIG_DIR/mail/print@example.test/Maildir"
BOB_MD="$MAILRIG_DIR/mail/bob@example.test/Maildir"

gw_make_pdf "$W/doc.pdf" 1 "Crash test"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=jpeg -r20 -sOutputFile="$W/photo.jpg" -c "0 0 1 setrgbcolor 0 0 100 100 rectfill showpage" >/dev/null
printf 'A short text file to print.\nSecond line.\n' > "$W/note.txt"

# inject PREFIX TO: N messages from alice to TO, message i with 1 + i % 3
# attachments PREFIX-i-j.{pdf,jpg,txt}, by SMTP in one session.
inject() {
  /usr/bin/python3 - "$1" "$2" "$N" "$MAILRIG_SMTP" "$W" <<'PY'
import sys, smtplib, email.message, email.utils
prefix, to, n, port, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kinds = [("pdf", "application", "pdf", "doc.pdf"), ("jpg", "image", "jpeg", "photo.jpg"), ("txt", "text", "plain", "note.txt")]
s = smtplib.SMTP("127.0.0.1", port)
for i in range(1, n + 1):
    m = email.message.EmailMessage()
    m["Authentication-Results"] = "mx.example.test; spf=pass smtp.mailfrom=alice@example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
    m["From"] = "Alice <alice@example.test>"; m["To"] = to; m["Subject"] = "%s crash %d" % (prefix, i)
    m["Message-ID"] = email.utils.make_msgid(domain="example.test")
    m.set_content("Please print.\n")
    for j in range(1, 1 + i % 3 + 1):
        ext, main, sub, src = kinds[(i + j) % 3]
        data = open(w + "/" + src, "rb").read()
        m.add_attachment(data, maintype=main, subtype=sub, filename="%s-%d-%d.%s" % (prefix, i, j, ext))
    s.sendmail("alice@example.test", [to], m.as_bytes())
s.quit()
PY
}

held_total() {
  fakems_jobs | awk -F '\t' '$2 == "held"' | wc -l
}

all_held() {
  [ "$(held_total)" -ge "$TOTAL" ]
}

all_sent() {       # no outbox row queued or sending
  gw outbox list > "$W/outbox.txt" && ! awk '$2 == "queued" || $2 == "sending" {f = 1} END {exit !f}' "$W/outbox.txt"
}

inbox_empty() {   # inbox_empty MAILDIR: no message left in new/ or cur/
  [ "$(find "$1/new" "$1/cur" -type f | wc -l)" = 0 ]
}

delivered() {      # delivered: N messages in each of the two mailboxes
  [ "$(find "$PRINT_MD/new" -type f | wc -l)" = "$N" ] && [ "$(find "$BOB_MD/new" -type f | wc -l)" = "$N" ]
}

# job_check FILE: of "NAME STATE REASON" lines, the attachments lost, held
# twice, other jobs (not held, not failed "interrupted") and held strays.
job_check() {
  /usr/bin/python3 - "$N" "$1" <<'PY'
import sys, collections
n = int(sys.argv[1])
held, other = collections.Counter(), collections.Counter()
for line in open(sys.argv[2]):
    name, state, reason = line.rstrip("\n").split("\t")
    if state == "held":
        held[name] += 1
    elif not (state == "failed" and reason == "interrupted"):
        other[name + "/" + state + "/" + reason] += 1
want = ["%s-%d-%d.%s" % (p, i, j, ["pdf", "jpg", "txt"][(i + j) % 3]) for p in ("imap", "pop") for i in range(1, n + 1) for j in range(1, 1 + i % 3 + 1)]
lost = [w for w in want if held[w] == 0]
dup = [w for w in want if held[w] > 1]
print("lost", len(lost), " ".join(lost[:10]))
print("dup", len(dup), " ".join(dup[:10]))
print("other", len(other), " ".join(list(other)[:10]))
print("stray", len(set(held) - set(want)))
PY
}

# reply_check OUTBOX-LIST MAILDIR: messages without exactly one outbox row,
# without exactly one Message-ID among the replies, and copies sent again.
reply_check() {
  /usr/bin/python3 - "$N" "$1" "$2" <<'PY'
import sys, os, re, email, email.policy, collections
n, outbox, md = int(sys.argv[1]), open(sys.argv[2]).read(), sys.argv[3]
rows = collections.Counter(re.findall(r"Printed: ((?:imap|pop) crash \d+)$", outbox, re.M))
ids, copies = collections.defaultdict(set), collections.Counter()
for d in ("new", "cur"):
    for f in os.listdir(os.path.join(md, d)):
        m = email.message_from_binary_file(open(os.path.join(md, d, f), "rb"), policy=email.policy.default)
        s = str(m["Subject"] or "")
        if s.startswith("Printed: "):
            ids[s[9:]].add(str(m["Message-ID"]))
            copies[s[9:]] += 1
want = ["%s crash %d" % (p, i) for p in ("imap", "pop") for i in range(1, n + 1)]
print("rows_bad", sum(1 for w in want if rows[w] != 1), " ".join(w for w in want if rows[w] != 1)[:300])
print("ids_bad", sum(1 for w in want if len(ids[w]) != 1), " ".join(w for w in want if len(ids[w]) != 1)[:300])
print("resent", sum(copies[w] - 1 for w in want if copies[w] > 1))
PY
}

TOTAL=0
for ((i = 1; i <= N; i ++)); do TOTAL=$((TOTAL + 2 * (1 + i % 3))); done

cat > "$W/sources" <<EOF
imap imaps://localhost:$MAILRIG_IMAPS/INBOX user=print@example.test password=printpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1
pop pop3s://localhost:$MAILRIG_POP3S user=bob@example.test password=bobpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1 done=delete
EOF
chmod 600 "$W/sources"

gw_start "MailSourceFile $W/sources" "SmtpServer localhost:$MAILRIG_SUBMISSION" "SmtpTLS required" "SmtpCAFile $MAILRIG_CA" \
         "SmtpUser print@example.test" "SmtpPassword printpw" "SmtpFrom print@example.test" "SmtpRetryDelay 1s" \
         "CountColorPages no" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
gw_stop

T0=$(date +%s%N)
inject imap print@example.test
inject pop bob@example.test
check "all $((2 * N)) messages delivered to the two mailboxes" fakems_wait 60 delivered

# Five rounds: start, let it work a random 0.2-0.9 s, kill -9; the messages
# still in the mailboxes after each kill show it came during the batch.
# (With several messages in flight per source the whole batch takes a few
# seconds: longer rounds let the last kills come after it.)
kills="" left=""
during=0
for ((k = 1; k <= ROUNDS; k ++)); do
  gw_restart || break
  d="0.$((RANDOM % 8 + 2))"
  sleep "$d"
  gw_stop KILL
  n=$(( $(find "$PRINT_MD/new" "$PRINT_MD/cur" "$BOB_MD/new" "$BOB_MD/cur" -type f | wc -l) ))
  kills+=" $d" left+=" $n"
  [ "$n" -gt 0 ] && during=$((during + 1))
done
echo "note: killed after$kills s of work; messages left after each kill:$left (of $((2 * N)))"
check "at least 4 of the $ROUNDS kills came during the batch" test "$during" -ge 4
gw_restart
check "every attachment has a held job" fakems_wait 150 all_held
T1=$(date +%s%N)
echo "note: $((2 * N)) messages, $TOTAL attachments, $ROUNDS kills: $(( (T1 - T0) / 1000000 )) ms from injection to the last held job"
check "IMAP: every message moved to Printed" fakems_wait 30 inbox_empty "$PRINT_MD"
check "POP3: every message deleted (a DELE lost to a kill before QUIT is sent again)" fakems_wait 30 inbox_empty "$BOB_MD"
for md in "$PRINT_MD" "$BOB_MD"; do       # what is left, and the source's last lines about it
  for f in $(find "$md/new" "$md/cur" -type f | head -3); do
    echo "    left: $(grep -m1 '^Subject:' "$f")"
  done
  [ "$(find "$md/new" "$md/cur" -type f | wc -l)" = 0 ] || grep -E "Mail source (imap|pop)" "$GW_LOG" | tail -25 | cut -c1-400 | sed 's/^/    log: /'
done

fakems_jobs > "$W/jobs.txt"
job_check "$W/jobs.txt" > "$W/jobcheck.txt"
check_eq "no attachment lost" "$(awk '$1 == "lost" {print $2}' "$W/jobcheck.txt")" 0
check_eq "no attachment held twice" "$(awk '$1 == "dup" {print $2}' "$W/jobcheck.txt")" 0
check_eq "no other job (only failed-interrupted ones besides the held)" "$(awk '$1 == "other" {print $2}' "$W/jobcheck.txt")" 0
check_eq "no held job that was not sent" "$(awk '$1 == "stray" {print $2}' "$W/jobcheck.txt")" 0
grep -vE '^[a-z]+ 0 *$' "$W/jobcheck.txt" | sed 's/^/    /'
for n in $(awk '$1 == "lost" {for (i = 3; i <= NF; i ++) print $i}' "$W/jobcheck.txt"); do   # a lost part: its jobs and log lines
  grep -F "$n" "$W/jobs.txt" | sed 's/^/    job: /'
  grep -F "$n" "$GW_LOG" | grep -v "Converter stderr" | tail -6 | sed 's/^/    log: /'
done
if ! grep -q '^other 0' "$W/jobcheck.txt"; then   # what failed, and the daemon's lines about it
  gw job list --user alice | grep -A1 ' failed ' | grep -v interrupted | head -6 | sed 's/^/    /'
  for id in $(gw job list --user alice | awk '$3 == "failed" {print $1}'); do grep -F "$id" "$GW_LOG" | grep -v "Converter stderr" | tail -8 | sed 's/^/    log: /'; done
fi
echo "note: $(grep -c 'interrupted' "$W/jobs.txt") job(s) failed 'interrupted' by the kills (their parts submitted again)"

# Replies: one outbox row per message, all sent, one Message-ID each in alice's mailbox.
check "every reply is sent" fakems_wait 60 all_sent
check "every reply arrived" fakems_wait 60 sh -c "[ \$(grep -l '^Subject: Printed: ' $ALICE_MD/new/* 2>/dev/null | wc -l) -ge $((2 * N)) ]"
gw outbox list > "$W/outbox.txt"
reply_check "$W/outbox.txt" "$ALICE_MD" > "$W/replycheck.txt"
check_eq "every message has exactly one outbox row" "$(awk '$1 == "rows_bad" {print $2}' "$W/replycheck.txt")" 0
check_eq "every message has exactly one reply (one Message-ID) in alice's mailbox" "$(awk '$1 == "ids_bad" {print $2}' "$W/replycheck.txt")" 0
grep -E '^(rows|ids)_bad [1-9]' "$W/replycheck.txt" | sed 's/^/    /'
awk '$2 == "queued" || $2 == "sending" || $2 == "failed"' "$W/outbox.txt" | head -5 | sed 's/^/    not sent: /'
echo "note: $(awk '$1 == "resent" {print $2}' "$W/replycheck.txt") reply copies sent again by the outbox after a kill during SMTP (at least once, same Message-ID)"

# A message marked $Printed but still in INBOX (a kill between the keyword and the MOVE) is moved by
# the next round, with no job and no reply (before, it stayed in INBOX for ever: the search skips it).
/usr/bin/python3 - "$MAILRIG_IMAPS" "$MAILRIG_CA" <<'PY'
import imaplib, ssl, sys, email.message
m = imaplib.IMAP4_SSL("localhost", int(sys.argv[1]), ssl_context=ssl.create_default_context(cafile=sys.argv[2]))
m.login("print@example.test", "printpw")
msg = email.message.EmailMessage()
msg["From"] = "alice@example.test"; msg["To"] = "print@example.test"; msg["Subject"] = "marked, not moved"
msg.set_content("Printed before the kill.\n")
m.append("INBOX", "($Printed \\Seen)", None, msg.as_bytes())
m.logout()
PY
check "a message marked \$Printed but left in INBOX is moved to Printed by the next round" fakems_wait 20 inbox_empty "$PRINT_MD"
check "... and logged" grep -q "is marked \$Printed but was not moved" "$GW_LOG"
check_eq "... with no reply" "$(gw outbox list | grep -c 'Printed: marked, not moved')" 0

# SIGHUP reloads MailSourceFile: a source added to the file starts; a file
# that does not read (group-readable) keeps the running sources.
send_to() {   # send_to ADDRESS NAME: one message from alice with doc.pdf as NAME
  FAKEMS_TO=$1 fakems_message "$W/one.eml" "reload $2" pass "$W/doc.pdf=$2" &&
  curl -sS "smtp://127.0.0.1:$MAILRIG_SMTP" --mail-from alice@example.test --mail-rcpt "$1" -T "$W/one.eml"
}
send_to oauth@example.test reload-0.pdf
sleep 3
check_eq "before the reload: a mailbox that is no source is not read" "$(fakems_held reload-0.pdf)" 0
echo "extra imaps://localhost:$MAILRIG_IMAPS/INBOX user=oauth@example.test password=test-access-token-123 cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1" >> "$W/sources"
kill -HUP "$GW_PID"
check "SIGHUP: the sources are read again (3 now)" fakems_wait 20 grep -q "Mail sources reloaded from .*: 3 source(s)" "$GW_LOG"
check "SIGHUP: the added source takes the message waiting in its mailbox" fakems_wait 60 fakems_is 1 fakems_held reload-0.pdf
chmod 644 "$W/sources"
kill -HUP "$GW_PID"
check "SIGHUP with a group-readable file: refused, the running sources go on" fakems_wait 20 grep -q "Mail sources not reloaded" "$GW_LOG"
send_to oauth@example.test reload-1.pdf
check "after the refused reload the sources still run" fakems_wait 60 fakems_is 1 fakems_held reload-1.pdf
check "the daemon is still running" kill -0 "$GW_PID"
gw_stop

# Positive controls: the checkers see a duplicate, a loss and a second reply.
{ grep -v '^imap-1-1\.' "$W/jobs.txt"; grep -P '^imap-2-1\.\w+\theld' "$W/jobs.txt"; } > "$W/bad-jobs.txt"
job_check "$W/bad-jobs.txt" > "$W/bad-jobcheck.txt"
check "control: a lost attachment is seen" grep -qE '^lost [1-9].* imap-1-1\.' "$W/bad-jobcheck.txt"
check "control: a duplicate is seen" grep -qE '^dup [1-9].* imap-2-1\.' "$W/bad-jobcheck.txt"
sed 's/Printed: imap crash 3$/Printed: imap crash 4/' "$W/outbox.txt" > "$W/bad-outbox.txt"
reply_check "$W/bad-outbox.txt" "$ALICE_MD" > "$W/bad-replycheck.txt"
check "control: a missing and a doubled outbox row are seen" grep -q '^rows_bad 2 ' "$W/bad-replycheck.txt"
gw_finish
