#!/usr/bin/env bash
# mail-busy.sh - a message the gateway can never take (every submission
# refused "server-busy") is not fetched for ever: after busy-retries rounds
# it is answered and moved to Rejected (docs/mail.md, "Internal errors"),
# against the mail rig (tests/lib/mail-rig.sh).  The busy gateway is a real
# one: one conversion worker, no queue (ConversionWorkers 1, ConversionQueue
# 0), and a converter that hangs (a script that sleeps), busy with the PDF
# of a message to another source ("hog", bob's mailbox: its poller waits for
# that message, so it takes the worker of the source under test).
#  1. The second message is left for later at each round (the log says so),
#     still in the inbox after the first rounds (positive control: the
#     bound is not hit early), then after exactly busy-retries=3 rounds one
#     reply says it could not be taken after 3 tries, it is moved to
#     Rejected, and it is not taken again (still 3 rounds, one reply, a few
#     polls later); no job was made for it.
#  2. busy-retries=0 and a word are refused in the source file with the
#     reason.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
fakems_rig_start
ALICE_MD="$MAILRIG_DIR/mail/alice@example.test/Maildir"
PRINT_MD="$MAILRIG_DIR/mail/print@example.test/Maildir"

gw_make_pdf "$W/doc.pdf" 1 "Busy test"
printf '#!/bin/sh\necho $$ >> "%s/hang.pids"\nexec sleep 120\n' "$W" > "$W/hang"
chmod 755 "$W/hang"

send() {           # send TO SUBJECT NAME: one message from alice with doc.pdf as NAME
  FAKEMS_TO=$1 fakems_message "$W/msg.eml" "$2" pass "$W/doc.pdf=$3" &&
  curl -sS "smtp://127.0.0.1:$MAILRIG_SMTP" --mail-from alice@example.test --mail-rcpt "$1" -T "$W/msg.eml"
}
replies() { grep -lE "^Subject: Printed: busy two"$'\r?$' "$ALICE_MD"/new/* 2>/dev/null | wc -l; }
in_inbox() { find "$PRINT_MD/new" "$PRINT_MD/cur" -type f | wc -l; }
in_rejected() { find "$PRINT_MD/.Rejected/new" "$PRINT_MD/.Rejected/cur" -type f 2>/dev/null | wc -l; }
reply_text() {
  /usr/bin/python3 - "$ALICE_MD"/new/* <<'PY'
import sys, email, email.policy
for path in sys.argv[1:]:
    m = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    if str(m["Subject"]) == "Printed: busy two":
        print(m.get_body(("plain",)).get_content())
PY
}

# ---- 2. refused values (before the daemon needs the file) ------------------------------------
for bad in 0 many; do
  echo "b imaps://localhost:$MAILRIG_IMAPS/INBOX user=print@example.test password=printpw cafile=$MAILRIG_CA busy-retries=$bad" > "$W/sources"
  chmod 600 "$W/sources"
  gw_start "MailSourceFile $W/sources" > "$W/start.out" 2>&1
  check "busy-retries=$bad is refused with the reason" grep -q "busy-retries take a number from 1" "$W/start.out" "$GW_LOG" "$GW_DIR/stdout"
  gw_stop
done

# ---- 1. the bound -------------------------------------------------------------------------------
cat > "$W/sources" <<EOF
busy imaps://localhost:$MAILRIG_IMAPS/INBOX user=print@example.test password=printpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=2 busy-retries=3
hog imaps://localhost:$MAILRIG_IMAPS/INBOX user=bob@example.test password=bobpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=60
EOF
chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "ConverterPath $W/hang" "ConversionWorkers 1" "ConversionQueue 0" "ConversionTimeout 1h" \
         "SmtpServer localhost:$MAILRIG_SUBMISSION" "SmtpTLS required" "SmtpCAFile $MAILRIG_CA" \
         "SmtpUser print@example.test" "SmtpPassword printpw" "SmtpFrom print@example.test" "SmtpRetryDelay 1s" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null

send bob@example.test "busy one" one.pdf
check "the first message's PDF keeps the only worker busy" fakems_wait 30 fakems_is 1 fakems_held one.pdf converting
send print@example.test "busy two" two.pdf
check "the second is left for later (the gateway is busy)" fakems_wait 20 sh -c "[ \$(grep -c 'source busy: message [0-9]*:1: the gateway cannot take every document now' '$GW_LOG') -ge 1 ]"
check_eq "after the first round it is still in the inbox, with no reply (positive control)" "$(in_inbox)-$(replies)" "1-0"
check "after 3 rounds one reply arrives" fakems_wait 40 fakems_is 1 replies
reply_text > "$W/reply.txt"
check "the reply says it could not be taken after 3 tries" grep -q "could not take all of it after 3 tries (it was busy, or could not store it)" "$W/reply.txt"
check "the message is moved to Rejected" fakems_wait 10 fakems_is 1 in_rejected
check_eq "left for later exactly 3 times" "$(grep -c 'source busy: message [0-9]*:1: the gateway cannot take every document now' "$GW_LOG")" 3
check "the log says it was refused, and why" grep -q "Mail source busy: message [0-9]*:1 from alice@example.test refused: the gateway could not take all of it after 3 tries" "$GW_LOG"
sleep 6                           # three more polls
check_eq "not taken again" "$(grep -c 'source busy: message [0-9]*:1: the gateway cannot take every document now' "$GW_LOG")" 3
check_eq "still one reply" "$(replies)" 1
check_eq "no job for it" "$(fakems_held two.pdf converting)$(fakems_held two.pdf held)$(fakems_held two.pdf failed)" "000"
check_eq "the first message waits in bob's inbox for its conversion (untouched)" "$(find "$MAILRIG_DIR/mail/bob@example.test/Maildir/new" "$MAILRIG_DIR/mail/bob@example.test/Maildir/cur" -type f | wc -l)" 1
check_eq "and still converting" "$(fakems_held one.pdf converting)" 1

gw_stop
for pid in $(cat "$W/hang.pids" 2>/dev/null); do kill "$pid" 2>/dev/null; done   # the hanging converter, by its PID
gw_finish
