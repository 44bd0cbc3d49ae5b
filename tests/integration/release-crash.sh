#!/usr/bin/env bash
# release-crash.sh - a release cut short by a crash must not print twice.
#
# printgated talks to the printer (ippeveprinter -k, which keeps every
# document it takes, so copies can be counted; then a private cupsd queue)
# through a small TCP relay.  In "kill" mode the relay kills printgated with
# SIGKILL the moment the printer answers 200 to a Print-Job, before the
# answer reaches the daemon: the printer has the job, the store still says
# `releasing`.  That is the crash the issue describes, made exact.
#
#  1. After the restart the job is held as `interrupted`; the next release
#     asks the printer (Get-Jobs), finds the job by the id in its job-name,
#     records it as printed and sends nothing: one copy.
#  2. Positive control: the same crash, with the relay dropping Get-Jobs
#     (a printer that cannot say): the job is held as `may-have-printed`
#     and nothing is sent; a second release sends anyway, and the count
#     sees two copies - the double print the check prevents in 1.
#  3. A job recorded as `releasing` that never reached the printer (the
#     crash came before): the printer answers it does not have it, and the
#     release sends it once; four releases of such a job at once: one copy;
#     a kept job's reprint cut short is not mistaken for its first print.
#  4. The same crash as 1 on a CUPS queue (cups://): found on the queue
#     (pending-held), not sent again.
set -u
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
peers_init
peers_start_avahi
peers_start_ippeveprinter "PG Crash" application/pdf
PRN_PORT=$PEERS_IPP_PORT PRN_DIR=$PEERS_IPP_DIR
W=$PEERS_DIR

# The relay: RELAY LISTEN-PORT-FILE TARGET-PORT MODE-FILE PID-FILE.
# MODE-FILE holds "pass", "kill" (SIGKILL the pid in PID-FILE when the
# printer answers 200 on a connection that carried a PDF, then "pass") or
# "nojobs" (drop any connection that asks for which-jobs).
cat > "$W/relay.py" <<'EOF'
import os, signal, socket, sys, threading
port_file, target, mode_file, pid_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
def mode():
    with open(mode_file) as f:
        return f.read().strip()
def pipe(src, dst, conn, upstream):
    tail = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            seen = tail + data
            tail = seen[-16:]
            if upstream:
                if b"%PDF-" in seen:
                    conn["pdf"] = True
                if b"which-jobs" in seen and mode() == "nojobs":
                    break
            else:
                with lock:
                    if conn.get("pdf") and b" 200 " in data[:16] and mode() == "kill":
                        with open(pid_file) as f:
                            os.kill(int(f.read().strip()), signal.SIGKILL)
                        with open(mode_file, "w") as f:
                            f.write("pass\n")
                        break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(client):
    try:
        server = socket.create_connection(("127.0.0.1", target))
    except OSError:
        client.close()
        return
    conn = {}
    threading.Thread(target=pipe, args=(client, server, conn, True), daemon=True).start()
    threading.Thread(target=pipe, args=(server, client, conn, False), daemon=True).start()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = ls.accept()
    serve(c)
EOF

start_relay() {   # start_relay NAME TARGET-PORT: sets RELAY_PORT
  echo pass > "$W/$1.mode"
  python3 "$W/relay.py" "$W/$1.port" "$2" "$W/$1.mode" "$W/gw.pid" >> "$W/$1.log" 2>&1 &
  peers_track $!
  peers_wait 30 test -s "$W/$1.port"
  RELAY_PORT=$(cat "$W/$1.port")
}

copies() {   # copies: documents ippeveprinter kept (any name: the count
             # must not depend on the job-name the release gives)
  ls "$PRN_DIR" 2>/dev/null | grep -c '\.pdf$'
}
copies_at_least() { [ "$(copies)" -ge "$1" ]; }

job_field() {   # job_field JOB FIELD
  gw --json job show "$1" 2>/dev/null | gw_json_field "$2"
}

stopped_while_releasing() {   # stopped_while_releasing JOB: the gateway stopped with JOB
                              # recorded as being released to lobby, then started again
  gw_stop TERM
  sqlite3 "$GW_STATE/printgate.db" "update jobs set state='releasing', printer='lobby' where id='$1'"
  gw_restart
}

interrupted_then_sent() {   # interrupted_then_sent LABEL JOB COPY-TEXT: JOB's release to lobby is
                            # cut short before the printer has it (stopped_while_releasing): held
                            # as interrupted, the next release sends it: one more copy
  local base
  base=$(copies)
  stopped_while_releasing "$2"
  check_eq "$1: held as interrupted after the restart" "$(job_field "$2" reason)" interrupted
  check "$1: the release sends it" gw release --user alice --printer lobby --job "$2"
  sleep 1
  check_eq "$1: $3" "$(copies)" $((base + 1))
}

crash_release() {   # crash_release RELAY JOB PRINTER: release, killed when the printer has it
  echo "$GW_PID" > "$W/gw.pid"
  echo kill > "$W/$1.mode"
  gw release --user alice --printer "$3" --job "$2" > "$W/crash-$2.out" 2>&1
  wait "$GW_PID" 2>/dev/null
  check "crash: printgated was killed after the printer took $2" sh -c "! kill -0 $GW_PID 2>/dev/null"
  check "crash: the store still has $2 releasing" sh -c "test \"\$(sqlite3 '$GW_STATE/printgate.db' \"select state from jobs where id='$2'\")\" = releasing"
  gw_restart
}

start_relay ipp "$PRN_PORT"
gw_start
gw_make_pdf "$W/doc.pdf" 2 "Crash release test"
gw user add alice >/dev/null
check "printer add (through the relay)" gw printer add lobby "ipp://127.0.0.1:$RELAY_PORT/ipp/print"

# 1. Crash after the printer took the job: found there, not sent again.
J1=$(gw job submit --user alice "$W/doc.pdf")
base=$(copies)
crash_release ipp "$J1" lobby
check_eq "1: the printer has one copy of the job after the crash" "$(copies)" $((base + 1))
check "1: its job-name carries the job id" sh -c "ls '$PRN_DIR' | grep -q -- '$J1'"
check_eq "1: after the restart the job is held" "$(job_field "$J1" state)" held
check_eq "1: as interrupted" "$(job_field "$J1" reason)" interrupted
check "1: its sentence says the printer is asked first" sh -c "$PRINTGATE -c $GW_CONF --json job show $J1 | grep -q 'is first asked whether it has it'"
out=$(gw release --user alice --printer lobby --job "$J1" 2>&1); rc=$?
check "1: the release succeeds" test $rc -eq 0
check "1: it says the job was found on the printer and not sent again" sh -c "echo \"$out\" | grep -q \"found on printer 'lobby' as job .* it was not sent again\""
sleep 1
check_eq "1: still one copy at the printer" "$(copies)" $((base + 1))
check "1: the job is printed (removed, as KeepPrintedJobs is off)" sh -c "! $PRINTGATE -c $GW_CONF job show $J1"
check "1: the audit has its print" sh -c "$PRINTGATE -c $GW_CONF --json audit | grep -B3 -A8 '\"action\": \"job.print\"' | grep -q '$J1'"
check "1: the log says so" grep -q "Job $J1 of alice: was already on printer lobby" "$GW_LOG"

# 2. Positive control: the printer cannot say (Get-Jobs dropped).
J2=$(gw job submit --user alice "$W/doc.pdf")
base=$(copies)
crash_release ipp "$J2" lobby
check_eq "2: one copy after the crash" "$(copies)" $((base + 1))
echo nojobs > "$W/ipp.mode"
out=$(gw release --user alice --printer lobby --job "$J2" 2>&1); rc=$?
check "2: the printer cannot say: the release does not print" test $rc -ne 0
check_eq "2: held" "$(job_field "$J2" state)" held
check_eq "2: as may-have-printed" "$(job_field "$J2" reason)" may-have-printed
check "2: the sentence says check the tray, release again to print anyway" sh -c "echo \"$out\" | grep -q 'it may already have printed. Check the output tray of printer .lobby.; if it is not there, release the job again: it is then sent anyway.'"
sleep 1
check_eq "2: nothing was sent" "$(copies)" $((base + 1))
out=$(gw release --user alice --printer lobby --job "$J2" 2>&1); rc=$?
check "2: a second release sends it anyway" test $rc -eq 0
peers_wait 30 copies_at_least $((base + 2))
check_eq "2: positive control: a resend without the check prints a second copy" "$(copies)" $((base + 2))
echo pass > "$W/ipp.mode"

# 3. Recorded as releasing, but the printer never got it: sent once.
J3=$(gw job submit --user alice "$W/doc.pdf")
interrupted_then_sent 3 "$J3" "the printer did not have it: one copy"
check "3: the log says it was not there" grep -q "Job $J3 of alice: its release to lobby was cut short by a restart and the printer does not have it" "$GW_LOG"

# 3b. The same, released from two terminals at once: the look-up happens
#     before held -> releasing, which stays the one atomic step: one copy.
J5=$(gw job submit --user alice "$W/doc.pdf")
base=$(copies)
stopped_while_releasing "$J5"
pids=()
for t in 1 2 3 4; do
  gw release --user alice --printer lobby --job "$J5" > "$W/par-$t.out" 2>&1 &
  pids+=($!)
done
wait_ok=0
for p in "${pids[@]}"; do wait "$p" && wait_ok=$((wait_ok + 1)); done
sleep 1
check_eq "3b: four releases at once: one succeeds" "$wait_ok" 1
check_eq "3b: four releases at once: one copy" "$(copies)" $((base + 1))

# 3c. A kept job's reprint cut short before it reached the printer: the
#     first print is on the printer, but it is not this release (the
#     job-name of a reprint carries "#2"): the reprint is sent.
echo "KeepPrintedJobs yes" >> "$GW_CONF"
gw_reload
J6=$(gw job submit --user alice "$W/doc.pdf")
check "3c: first print" gw release --user alice --printer lobby --job "$J6"
interrupted_then_sent 3c "$J6" "the first print was not taken for the reprint: one more copy"
check_eq "3c: printed twice" "$(job_field "$J6" print_count)" 2
sed -i '/^KeepPrintedJobs/d' "$GW_CONF"
gw_reload

# 4. The CUPS sink: the same crash on a held CUPS queue.
if peers_start_cupsd && peers_cups_add_queue campusq held; then
  start_relay cups "$PEERS_CUPS_PORT"
  check "4: printer add cups:// (through the relay)" gw printer add campus "cups://127.0.0.1:$RELAY_PORT/campusq"
  cups_copies() { ls "$PEERS_CUPS_SPOOL" 2>/dev/null | grep -c -- '^d.*-001$'; }
  before=$(cups_copies)
  J4=$(gw job submit --user alice "$W/doc.pdf")
  crash_release cups "$J4" campus
  check_eq "4: the CUPS queue has one more job after the crash" "$(cups_copies)" $((before + 1))
  check_eq "4: held as interrupted" "$(job_field "$J4" reason)" interrupted
  out=$(gw release --user alice --printer campus --job "$J4" 2>&1); rc=$?
  check "4: found on the queue, not sent again" sh -c "test $rc -eq 0 && echo \"$out\" | grep -q \"found on printer 'campus' as job .*pending-held.*not sent again\""
  check_eq "4: still one job on the queue" "$(cups_copies)" $((before + 1))
else
  check "4: a private cupsd with a held queue started" false
fi

gw_stop TERM
gw_finish
