#!/usr/bin/env bash
# mail-guest.sh - the guest policy for unknown senders of mail (MailGuests,
# docs/mail.md "Guests by mail") against the mail rig (tests/lib/mail-rig.sh)
# and a real ippeveprinter:
#  1. MailGuests no (the default): an unknown sender gets the refusal reply,
#     no job and no account (positive control for 2);
#  2. MailGuests yes: an unknown sender (bob) mails a PDF: a pending guest,
#     the job quarantined, a reply with a verification code and no PIN mail
#     yet; the code confirms: bob is a guest, the job is held for it, one
#     mail with a release PIN arrives in bob's mailbox, and that PIN
#     releases the job to the printer;
#  3. the code again: refused, no second PIN mail, one "guest.create";
#  4. MailGuestsMax 2: a second unknown sender (carol) still gets a pending
#     guest, a third (dave) is refused with the reason and gets no account;
#  5. the PIN is in no log, no audit row and not in the outbox listing.
# The rig's Postfix adds no Authentication-Results: the messages carry the
# one the trusted MTA ("mx.example.test") would have added.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"
fakems_rig_start
BOB_MD="$MAILRIG_DIR/mail/bob@example.test/Maildir"
SINK_MD="$MAILRIG_DIR/mail/sink@example.test/Maildir"
peers_start_avahi
peers_start_ippeveprinter "PG Guest" application/pdf
PRN_DIR=$PEERS_IPP_DIR

gw_make_pdf "$W/doc.pdf" 1 "Guest by mail"

send() {           # send FROM SUBJECT NAME: a message from FROM with doc.pdf as NAME, by SMTP
  /usr/bin/python3 - "$1" "$2" "$W/doc.pdf" "$3" > "$W/msg.eml" <<'PY' &&
import sys, email.message, email.utils
frm, subject, path, name = sys.argv[1:5]
dom = frm.split("@")[1]
m = email.message.EmailMessage()
m["Authentication-Results"] = "mx.example.test; spf=pass smtp.mailfrom=%s; dmarc=pass header.from=%s" % (frm, dom)
m["From"] = frm; m["To"] = "print@example.test"; m["Subject"] = subject
m["Message-ID"] = email.utils.make_msgid(domain=dom)
m.set_content("Please print.\n")
m.add_attachment(open(path, "rb").read(), maintype="application", subtype="pdf", filename=name)
sys.stdout.write(m.as_string())
PY
  curl -sS "smtp://127.0.0.1:$MAILRIG_SMTP" --mail-from "$1" --mail-rcpt print@example.test -T "$W/msg.eml"
}
mails() {          # mails MAILDIR SUBJECT: messages with that subject in the mailbox
  grep -lE "^Subject: $2"$'\r?$' "$1"/new/* 2>/dev/null | wc -l
}
body() {           # body MAILDIR SUBJECT: the decoded text of those messages
  /usr/bin/python3 - "$2" "$1"/new/* <<'PY'
import sys, email, email.policy
for path in sys.argv[2:]:
    m = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    if str(m["Subject"]) == sys.argv[1]:
        print(m.get_body(("plain",)).get_content())
PY
}
jobs_of() {        # jobs_of USER STATE: that user's jobs in that state
  gw --json job list --user "$1" 2>/dev/null | grep -c "\"state\": \"$2\""
}
users() { gw user list | grep -c "$1"; }
audits() { gw audit | grep -c "$1"; }

cat > "$W/sources" <<EOF
imaps imaps://localhost:$MAILRIG_IMAPS/INBOX user=print@example.test password=printpw cafile=$MAILRIG_CA authserv-id=mx.example.test poll=1
EOF
chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "SmtpServer localhost:$MAILRIG_SUBMISSION" "SmtpTLS required" "SmtpCAFile $MAILRIG_CA" \
         "SmtpUser print@example.test" "SmtpPassword printpw" "SmtpFrom print@example.test" "SmtpRetryDelay 1s" || exit 1
gw printer add lobby "ipp://127.0.0.1:$PEERS_IPP_PORT/ipp/print" >/dev/null

# ---- 1. MailGuests no: refused, no account ------------------------------------------------------
send erin@other.test "erin off" erin.pdf
check "guests off: the unknown sender gets the refusal reply" fakems_wait 60 fakems_is 1 mails "$SINK_MD" "Printed: erin off"
check "guests off: the reply says the address is not registered" sh -c "$(declare -f body); body '$SINK_MD' 'Printed: erin off' | grep -q 'erin@other.test is not registered on this gateway'"
check_eq "guests off: no account for erin" "$(users erin@other.test)" 0
check_eq "guests off: no guest.pending audit row" "$(audits guest.pending)" 0
gw_stop

# ---- 2. MailGuests yes: quarantine, confirm, a guest and its PIN ---------------------------------
printf '%s\n' "MailGuests yes" "MailGuestsMax 2" >> "$GW_CONF"
gw_restart || exit 1
send bob@example.test "bob guest" bob.pdf
check "an unknown sender's job is quarantined for a pending guest" fakems_wait 60 fakems_is 1 jobs_of bob@example.test quarantined
check "the pending guest is a guest with the address pending" sh -c "$PRINTGATE -c $GW_CONF user list | grep 'bob@example.test' | grep -q guest && $PRINTGATE -c $GW_CONF user list | grep -q 'bob@example.test (pending)'"
check "the reply with a verification code arrives in bob's mailbox" fakems_wait 60 fakems_is 1 mails "$BOB_MD" "Printed: bob guest"
body "$BOB_MD" "Printed: bob guest" > "$W/reply.txt"
CODE=$(grep -o 'printgate address confirm [0-9a-f]\{64\}' "$W/reply.txt" | awk '{print $4}')
check "the reply has the code" test -n "$CODE"
sleep 2
check_eq "no PIN mail before the address is proven (positive control)" "$(mails "$BOB_MD" "Your Printgate release PIN")" 0
check_eq "no guest.create before the proof" "$(audits guest.create)" 0
check "a wrong code is refused" sh -c "! $PRINTGATE -c $GW_CONF address confirm $(printf '%064d' 0)"
check "the code confirms" gw address confirm "$CODE"
check_eq "confirmed: the job is held for the guest" "$(jobs_of bob@example.test held)" 1
check "one mail with the release PIN arrives in bob's mailbox" fakems_wait 60 fakems_is 1 mails "$BOB_MD" "Your Printgate release PIN"
PIN=$(body "$BOB_MD" "Your Printgate release PIN" | sed -n 's/^Your release PIN is \([0-9]*\)$/\1/p')
check "the mail carries a PIN" sh -c "echo '$PIN' | grep -Eq '^[0-9]{4,}$'"
check "the guest's job is monochrome (guest limits)" sh -c "$PRINTGATE -c $GW_CONF --json job list --user bob@example.test | grep -q '\"color_mode\": \"monochrome\"'"
check "the mailed PIN releases the job" gw release --pin "$PIN" --printer lobby
check "the printer received it" fakems_wait 20 sh -c "ls '$PRN_DIR'/*.pdf >/dev/null 2>&1"
check_eq "nothing held any more" "$(jobs_of bob@example.test held)" 0

# ---- 3. replay -------------------------------------------------------------------------------------
check "the code again is refused" sh -c "! $PRINTGATE -c $GW_CONF address confirm $CODE"
check "an admin's verify of the now verified address" gw address verify bob@example.test
sleep 3
check_eq "still one PIN mail" "$(mails "$BOB_MD" "Your Printgate release PIN")" 1
check_eq "one guest.create" "$(audits guest.create)" 1
check_eq "one account for bob" "$(users bob@example.test)" 1

# ---- 4. MailGuestsMax 2 ----------------------------------------------------------------------------
send carol@other.test "carol guest" carol.pdf
check "under the cap: carol gets a pending guest" fakems_wait 60 fakems_is 1 jobs_of carol@other.test quarantined
send dave@other.test "dave guest" dave.pdf
check "over the cap: dave gets a refusal reply" fakems_wait 60 fakems_is 1 mails "$SINK_MD" "Printed: dave guest"
check "the reply says why" sh -c "$(declare -f body); body '$SINK_MD' 'Printed: dave guest' | grep -q 'too many new senders today'"
check_eq "over the cap: no account for dave" "$(users dave@other.test)" 0
check "the log warns" grep -q "Guests by mail: 2 started in 24 hours (MailGuestsMax), dave@other.test refused" "$GW_LOG"

# ---- 5. the PIN is nowhere it should not be --------------------------------------------------------
gw audit > "$W/audit.txt"
gw outbox list > "$W/outbox.txt"
check "the PIN is in no log line" sh -c "! grep -qw '$PIN' '$GW_LOG' '$GW_DIR/stdout'"
check "the PIN is in no audit row" sh -c "! grep -qw '$PIN' '$W/audit.txt'"
check "the PIN is not in the outbox listing" sh -c "! grep -qw '$PIN' '$W/outbox.txt'"
check "the audit has the PIN's making, without it" grep -q "pin.new" "$W/audit.txt"

gw_stop
gw_finish
