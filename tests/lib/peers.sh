# shellcheck shell=bash
#
# peers.sh - start and stop the real peers integration tests talk to:
# a private D-Bus + avahi-daemon, ippeveprinter (fake IPP Everywhere
# printer) and a private cupsd.  Source it from bash:
#
#   . "$GW_SOURCE_DIR/tests/lib/peers.sh"
#   peers_init
#   peers_start_avahi
#   peers_start_ippeveprinter lobby application/pdf
#   echo "$PEERS_IPP_URI"   # ipp://127.0.0.1:PORT/ipp/print
#
# Everything a test starts is recorded by PID and stopped (TERM, then KILL
# after 5 s) in reverse order when the test's shell exits; the work dir is
# then removed (set PEERS_KEEP=1 to keep it for a post-mortem).  Nothing is
# ever stopped by process name.  Call the peers_start_* functions directly,
# never inside $(...): a subshell would lose the PID bookkeeping, so they
# refuse to run there and hand their results back in variables instead.
# Do not call a bare `wait` in a test: the daemons are children of the
# test's shell too, so it would never return; wait for your own PIDs.
#
# Stable interface (other tests rely on these names):
#
#   peers_init                    Make $PEERS_DIR (temp) and install the EXIT trap.
#   peers_free_port               Echo a free TCP port on 127.0.0.1.
#   peers_track PID               Stop PID at exit.
#   peers_stop PID                Stop PID now (TERM, wait, KILL) and forget it.
#   peers_wait SECONDS CMD...     Run CMD every 0.1 s until it succeeds; 1 on timeout.
#   peers_wait_pid PID SECONDS CMD...
#                                 The same, but fail at once if PID exits.
#   peers_pid_alive PID           Is PID a running process?
#   peers_wait_port PORT [SECS]   Wait until 127.0.0.1:PORT accepts connections.
#   peers_wait_ipp URI [SECS]     Wait until URI answers Get-Printer-Attributes.
#   peers_ipp_request NAME OPERATION
#                                 Echo the opening of an ipptool test: NAME, OPERATION and
#                                 the operation attributes every request carries (charset,
#                                 language, printer-uri $uri); the test adds the rest and "}".
#   peers_start_avahi             Private dbus-daemon + avahi-daemon on lo only; exports
#                                 DBUS_SYSTEM_BUS_ADDRESS; sets PEERS_DBUS_PID, PEERS_AVAHI_PID.
#   peers_start_ippeveprinter NAME [FORMATS] [EXTRA ARGS...]
#                                 ippeveprinter -k -d DIR -K KEYS -p PORT -f FORMATS -c /bin/true NAME
#                                 (FORMATS default application/pdf; pass PEERS_IPP_COMMAND=""
#                                 to simulate printing instead of -c /bin/true).  Sets
#                                 PEERS_IPP_PORT, PEERS_IPP_DIR (kept documents),
#                                 PEERS_IPP_PID, PEERS_IPP_URI, PEERS_IPP_LOG.
#   peers_cups_running PORT       Does a cupsd answer on 127.0.0.1:PORT?
#   peers_start_cupsd             Private cupsd on 127.0.0.1:random (User lp, FileDevice Yes,
#                                 job attributes not private, PreserveJobFiles Yes).
#                                 Sets PEERS_CUPS_PORT, PEERS_CUPS_PID, PEERS_CUPS_DIR,
#                                 PEERS_CUPS_SPOOL (RequestRoot: dNNNNN-001 files), PEERS_CUPS_LOG.
#   peers_cupsd_post_mortem       If the private cupsd has died: print how (cupsd's stderr and
#                                 the end of its error_log) and return 0; 1 while it runs.
#   peers_cups_add_queue NAME [held]
#                                 Raw queue NAME -> file:///dev/null on that cupsd; "held"
#                                 adds job-hold-until-default=indefinite.
#   peers_reserve_mailrig         Choose a port base for a mail rig of this test's own
#                                 (tests/lib/mail-rig.sh) that no other rig holds and whose
#                                 ports are free; exports MAILRIG_PORT_BASE and
#                                 MAILRIG_DIR=$PEERS_DIR/rig (the rig is not started).
#   peers_pass TEXT / peers_fail TEXT
#                                 Print "PASS: TEXT" / "FAIL: TEXT" and count failures.
#   peers_finish                  Print the summary; return 1 if anything failed.
#
# Only one avahi-daemon can run per machine (it keeps its pid file in
# /run/avahi-daemon/), so peers_start_avahi takes an flock on
# /run/lock/printgate-peers-avahi.lock (waiting up to PEERS_LOCK_WAIT=600 s) that
# is held until the test exits; ctest also gives these tests one RESOURCE_LOCK.
# A stale pid file is removed only when the PID in it is not alive.
# A mail rig needs nine fixed ports from its base, so peers_reserve_mailrig
# takes /run/lock/printgate-mailrig-BASE.lock (held, like the avahi lock,
# until the test and its daemons exit): rig tests run side by side, each on
# a base of its own.

PEERS_DIR=""
PEERS_PIDS=()
PEERS_FAILURES=0
PEERS_PASSES=0


#
# 'peers_log()' - Progress message on stderr.
#

peers_log()
{
  echo "peers: $*" >&2
}


#
# 'peers_direct()' - Refuse to run in a subshell (PIDs would be lost).
#

peers_direct()
{
  if [ "${BASH_SUBSHELL:-0}" -gt 0 ]; then
    peers_log "$1 must not run inside \$(...) or a pipe; read its variables instead"
    return 1
  fi
  if [ -z "$PEERS_DIR" ]; then
    peers_log "$1: call peers_init first"
    return 1
  fi
}


#
# 'peers_cleanup()' - EXIT trap: stop everything started, newest first.
#

peers_cleanup()
{
  local rc=$? i

  for ((i = ${#PEERS_PIDS[@]} - 1; i >= 0; i --)); do
    peers_kill_wait "${PEERS_PIDS[i]}"
  done
  PEERS_PIDS=()

  for i in "${PEERS_EXTRA_DIRS[@]}"; do     # folders made outside PEERS_DIR (tmpfs)
    [ -n "$i" ] && rm -rf "$i"
  done
  PEERS_EXTRA_DIRS=()

  if [ -n "$PEERS_DIR" ] && [ -d "$PEERS_DIR" ]; then
    if [ "${PEERS_KEEP:-0}" = 1 ]; then
      peers_log "kept $PEERS_DIR"
    else
      rm -rf "$PEERS_DIR"
    fi
  fi

  return $rc
}


#
# 'peers_init()' - Make the work dir and install the EXIT trap.
#

peers_init()
{
  if [ "${BASH_SUBSHELL:-0}" -gt 0 ]; then
    peers_log "peers_init must not run in a subshell"
    return 1
  fi

  PEERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/printgate-peers.XXXXXX") || return 1
  chmod 0755 "$PEERS_DIR"
  PEERS_PIDS=()
  PEERS_EXTRA_DIRS=()
  PEERS_FAILURES=0
  PEERS_PASSES=0
  trap peers_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}


#
# 'peers_free_port()' - Echo a TCP port nobody listens on at 127.0.0.1.
#
# Binding port 0 lets the kernel choose; the port is free when we close it
# (another process could still take it before the caller does, so starters
# check that their server came up and retry with a new port).
#

peers_free_port()
{
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}


#
# 'peers_track()' - Remember a PID to stop at exit.
#

peers_track()
{
  PEERS_PIDS+=("$1")
}


#
# 'peers_kill_wait()' - TERM a PID, wait up to 5 s, then KILL it.
#

peers_kill_wait()
{
  local pid=$1 i

  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i ++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    peers_log "PID $pid ignored TERM, killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}


#
# 'peers_stop()' - Stop one PID now and forget it.
#

peers_stop()
{
  local pid=$1 i

  peers_kill_wait "$pid"
  for i in "${!PEERS_PIDS[@]}"; do
    [ "${PEERS_PIDS[i]}" = "$pid" ] && unset 'PEERS_PIDS[i]'
  done
  PEERS_PIDS=("${PEERS_PIDS[@]}")
}


#
# 'peers_wait()' - Retry a command every 0.1 s for up to SECONDS.
#

peers_wait()
{
  local secs=$1 end
  shift

  end=$((SECONDS + secs))
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
  return 0
}


#
# 'peers_wait_pid()' - Like peers_wait, but give up at once when PID exits.
#

peers_wait_pid()
{
  local pid=$1 secs=$2 end
  shift 2

  end=$((SECONDS + secs))
  while ! "$@" >/dev/null 2>&1; do
    peers_pid_alive "$pid" || return 1
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
  return 0
}


#
# 'peers_port_open()' - Does 127.0.0.1:PORT accept a connection?
#

peers_port_open()
{
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}


#
# 'peers_wait_port()' - Wait until 127.0.0.1:PORT accepts connections.
#

peers_wait_port()
{
  peers_wait "${2:-10}" peers_port_open "$1"
}


#
# 'peers_wait_ipp()' - Wait until a printer answers Get-Printer-Attributes.
#

peers_wait_ipp()
{
  peers_wait "${2:-15}" ipptool -q -T 2 "$1" get-printer-attributes.test
}


#
# 'peers_ipp_request()' - The opening lines of an ipptool test (see above).
#

peers_ipp_request()
{
  # shellcheck disable=SC2016  # $uri is ipptool's variable, not the shell's
  printf '{\n  NAME "%s"\n  OPERATION %s\n  GROUP operation-attributes-tag\n  ATTR charset attributes-charset utf-8\n  ATTR naturalLanguage attributes-natural-language en\n  ATTR uri printer-uri $uri\n' "$1" "$2"
}


#
# 'peers_pid_alive()' - Is PID a running process?
#

peers_pid_alive()
{
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}


#
# 'peers_children()' - PID's child processes, one a line (ps, not an awk over
#                      /proc/*/stat: mawk stops at the first process that
#                      exits meanwhile, which tests running beside make likely).
# 'peers_descendants()' - Every process below PID, one a line.
# 'peers_alive_count()' - How many of the PIDs still run (zombies count as gone).
#

peers_children()
{
  ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

peers_descendants()
{
  local p
  for p in $(peers_children "$1"); do
    echo "$p"; peers_descendants "$p"
  done
}

peers_alive_count()
{
  local n=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] && n=$((n + 1))
  done
  echo "$n"
}


#
# 'peers_start_avahi()' - Private system bus and avahi-daemon on lo.
#

peers_start_avahi()
{
  local d pidfile stale i

  peers_direct peers_start_avahi || return 1
  if peers_pid_alive "${PEERS_AVAHI_PID:-}"; then
    return 0                            # Already started by this test
  fi
  d=$PEERS_DIR/avahi
  mkdir -p "$d"

  # One avahi-daemon per machine: serialise with every other test that
  # uses this library.  The lock fd is inherited by the daemons, so it is
  # held exactly as long as they (or this shell) live.
  mkdir -p /run/lock
  exec {PEERS_LOCK_FD}>/run/lock/printgate-peers-avahi.lock
  if ! flock -w "${PEERS_LOCK_WAIT:-600}" "$PEERS_LOCK_FD"; then
    peers_log "another test holds the avahi lock"
    return 1
  fi

  # A pid file left by a killed daemon blocks start-up; one whose PID is
  # alive belongs to a daemon we must not touch.
  pidfile=/run/avahi-daemon/pid
  if [ -f "$pidfile" ]; then
    stale=$(tr -cd '0-9' < "$pidfile")
    if peers_pid_alive "$stale"; then
      peers_log "avahi-daemon $stale is already running (not ours); stop it or run the test elsewhere"
      return 1
    fi
    rm -f "$pidfile"
  fi

  cat > "$d/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/dbus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF

  dbus-daemon --config-file="$d/dbus.conf" --nofork --print-pid > "$d/dbus.pid" 2> "$d/dbus.log" &
  PEERS_DBUS_PID=$!
  peers_track "$PEERS_DBUS_PID"
  if ! peers_wait 10 test -S "$d/dbus.sock"; then
    peers_log "dbus-daemon did not start: $(cat "$d/dbus.log")"
    return 1
  fi
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$d/dbus.sock"

  cat > "$d/avahi.conf" <<EOF
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
ratelimit-interval-usec=1000000
ratelimit-burst=1000
enable-dbus=yes

[wide-area]
enable-wide-area=no

[publish]
publish-workstation=no
publish-hinfo=no
publish-addresses=yes
publish-domain=yes

[reflector]
enable-reflector=no

[rlimits]
EOF

  mkdir -p /run/avahi-daemon
  avahi-daemon -f "$d/avahi.conf" --no-drop-root --no-chroot --no-rlimits > "$d/avahi.log" 2>&1 &
  PEERS_AVAHI_PID=$!
  peers_track "$PEERS_AVAHI_PID"

  # Up when its pid file names our daemon and it has registered on the bus.
  for ((i = 0; i < 100; i ++)); do
    if ! peers_pid_alive "$PEERS_AVAHI_PID"; then
      peers_log "avahi-daemon exited: $(tail -5 "$d/avahi.log")"
      return 1
    fi
    if grep -q "Server startup complete" "$d/avahi.log" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done

  peers_log "avahi-daemon did not come up: $(tail -5 "$d/avahi.log")"
  return 1
}


#
# 'peers_start_ippeveprinter()' - Start a fake IPP Everywhere printer.
#
# Documents are kept (-k) in PEERS_IPP_DIR as "JOBID-jobname.ext".  With the
# default PEERS_IPP_COMMAND=/bin/true a job completes as soon as it has
# arrived; with PEERS_IPP_COMMAND="" ippeveprinter simulates 5-15 s of
# printing and answers server-error-busy to a second job meanwhile.
#

peers_start_ippeveprinter()
{
  local name=$1 formats=${2:-application/pdf} attempt dir log port pid
  local -a cmd

  peers_direct peers_start_ippeveprinter || return 1
  [ -n "$name" ] || { peers_log "peers_start_ippeveprinter: NAME missing"; return 1; }
  shift $(($# >= 2 ? 2 : 1))

  if [ -z "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || ! peers_pid_alive "${PEERS_AVAHI_PID:-}"; then
    peers_log "ippeveprinter needs DNS-SD: call peers_start_avahi first"
    return 1
  fi

  dir=$PEERS_DIR/ipp-$name
  log=$PEERS_DIR/ipp-$name.log
  mkdir -p "$dir" "$PEERS_DIR/ipp-keys"

  for attempt in 1 2 3; do
    port=$(peers_free_port) || return 1
    # -K: TLS keys in our dir (the default, as root, is /etc/cups/ssl)
    cmd=(ippeveprinter -k -d "$dir" -K "$PEERS_DIR/ipp-keys" -p "$port" -f "$formats")
    if [ "${PEERS_IPP_COMMAND-/bin/true}" != "" ]; then
      cmd+=(-c "${PEERS_IPP_COMMAND-/bin/true}")
    fi
    cmd+=("$@" "$name")

    "${cmd[@]}" >> "$log" 2>&1 &
    pid=$!
    peers_track "$pid"

    if peers_wait_pid "$pid" 15 ipptool -q -T 2 "ipp://127.0.0.1:$port/ipp/print" get-printer-attributes.test; then
      PEERS_IPP_PORT=$port
      PEERS_IPP_DIR=$dir
      PEERS_IPP_PID=$pid
      PEERS_IPP_URI="ipp://127.0.0.1:$port/ipp/print"
      PEERS_IPP_LOG=$log
      return 0
    fi

    # Lost a port race, or it failed: stop it and try another port.
    peers_log "ippeveprinter $name on port $port did not answer (attempt $attempt): $(tail -3 "$log")"
    peers_stop "$pid"
  done

  return 1
}


#
# 'peers_cups_running()' - Does the cupsd on PORT answer?  (lpstat -r exits
#                          0 even when nothing listens, so read its words.)
#

peers_cups_running()
{
  LC_ALL=C lpstat -h "127.0.0.1:$1" -r 2>/dev/null | grep -q "scheduler is running"
}


#
# 'peers_start_cupsd()' - Start a private cupsd on a random loopback port.
#

peers_start_cupsd()
{
  local c attempt port pid

  peers_direct peers_start_cupsd || return 1
  c=$PEERS_DIR/cups
  mkdir -p "$c"/{etc/ppd,spool/tmp,cache,log,state}

  cat > "$c/cups-files.conf" <<EOF
ServerRoot $c/etc
RequestRoot $c/spool
TempDir $c/spool/tmp
CacheDir $c/cache
StateDir $c/state
ServerBin /usr/lib/cups
DataDir /usr/share/cups
AccessLog $c/log/access_log
ErrorLog $c/log/error_log
PageLog $c/log/page_log
FileDevice Yes
User lp
Group lp
SystemGroup root
EOF

  chown -R root:lp "$c/spool" "$c/cache" "$c/state" "$c/etc"
  chmod 0770 "$c/spool" "$c/spool/tmp" "$c/cache"
  chmod 0755 "$c/etc" "$c/state"

  for attempt in 1 2 3; do
    port=$(peers_free_port) || return 1
    # PEERS_CUPSD_LOGLEVEL / PEERS_CUPSD_EXTRA (lines): for benchmarks.
    cat > "$c/cupsd.conf" <<EOF
LogLevel ${PEERS_CUPSD_LOGLEVEL:-debug}
${PEERS_CUPSD_EXTRA:-}
Listen 127.0.0.1:$port
Browsing No
DefaultAuthType None
WebInterface No
PreserveJobFiles Yes
MaxJobs 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
EOF

    if ! cupsd -t -c "$c/cupsd.conf" -s "$c/cups-files.conf" > "$c/log/check.log" 2>&1; then
      peers_log "cupsd rejects its config: $(cat "$c/log/check.log")"
      return 1
    fi

    # glibc's fatal messages (a failed free, a failed assertion) on stderr,
    # not the terminal, so a post-mortem shows them.
    LIBC_FATAL_STDERR_=1 cupsd -f -c "$c/cupsd.conf" -s "$c/cups-files.conf" > "$c/log/cupsd.out" 2>&1 &
    pid=$!
    peers_track "$pid"

    if peers_wait_pid "$pid" 15 peers_cups_running "$port"; then
      PEERS_CUPS_PORT=$port
      PEERS_CUPS_PID=$pid
      PEERS_CUPS_DIR=$c
      PEERS_CUPS_SPOOL=$c/spool
      PEERS_CUPS_LOG=$c/log/error_log
      return 0
    fi

    peers_log "cupsd on port $port did not answer (attempt $attempt): $(tail -3 "$c/log/cupsd.out" "$c/log/error_log" 2>/dev/null)"
    peers_stop "$pid"
  done

  return 1
}


#
# 'peers_cupsd_post_mortem()' - If the private cupsd has died, show why.
#

peers_cupsd_post_mortem()
{
  [ -n "${PEERS_CUPS_PID:-}" ] || return 1
  peers_pid_alive "$PEERS_CUPS_PID" && return 1
  echo "PEER DIED: cupsd (pid $PEERS_CUPS_PID) is gone; its stderr:"
  sed 's/^/    /' "$PEERS_CUPS_DIR/log/cupsd.out" 2>/dev/null | tail -20
  echo "  the end of its error_log:"
  tail -40 "$PEERS_CUPS_LOG" 2>/dev/null | cut -c1-300 | sed 's/^/    /'
  return 0
}


#
# 'peers_cups_add_queue()' - Add a raw queue (to /dev/null) on the private cupsd.
#

peers_cups_add_queue()
{
  local name=$1 held=${2:-} attempt
  local -a opts=()

  [ -n "${PEERS_CUPS_PORT:-}" ] || { peers_log "peers_cups_add_queue: start cupsd first"; return 1; }
  [ "$held" = held ] && opts=(-o job-hold-until-default=indefinite)

  # -m raw is deprecated in CUPS 2.4 but still creates a raw queue.
  for attempt in 1 2 3; do
    lpadmin -h "127.0.0.1:$PEERS_CUPS_PORT" -p "$name" -E -v file:///dev/null -m raw "${opts[@]}" \
      > "$PEERS_CUPS_DIR/log/lpadmin-$name.log" 2>&1
    if lpstat -h "127.0.0.1:$PEERS_CUPS_PORT" -p "$name" >/dev/null 2>&1; then
      return 0
    fi
    peers_log "lpadmin $name (attempt $attempt): $(grep -v -i deprecated "$PEERS_CUPS_DIR/log/lpadmin-$name.log")"
    sleep 1
  done

  return 1
}


#
# 'peers_reserve_mailrig()' - A port base for this test's own mail rig.
#
# Bases 20000, 21000 ... 31000 (below the kernel's ephemeral ports), tried
# from a random one: the first whose lock no one holds and none of whose rig ports (the offsets in
# mail-rig.sh) accepts a connection.  The lock fd is inherited by the rig's
# daemons, so the base stays taken while any of them lives.
#

peers_reserve_mailrig()
{
  local base first i off busy fd end

  peers_direct peers_reserve_mailrig || return 1
  mkdir -p /run/lock
  end=$((SECONDS + ${PEERS_LOCK_WAIT:-600}))
  while :; do
    first=$RANDOM
    for ((i = 0; i < 12; i ++)); do
      base=$((20000 + ((first + i) % 12) * 1000))
      exec {fd}>"/run/lock/printgate-mailrig-$base.lock"
      if flock -n "$fd"; then
        busy=0
        for off in 24 25 26 110 143 465 587 993 995; do
          if peers_port_open $((base + off)); then busy=1; break; fi
        done
        if [ $busy = 0 ]; then
          PEERS_MAILRIG_LOCK_FD=$fd
          export MAILRIG_PORT_BASE=$base MAILRIG_DIR=$PEERS_DIR/rig
          return 0
        fi
      fi
      exec {fd}>&-
    done
    [ "$SECONDS" -lt "$end" ] || break
    sleep 0.5                           # every base taken: wait for one
  done
  peers_log "no free mail rig port base (20000-31000) in ${PEERS_LOCK_WAIT:-600} s"
  return 1
}


#
# 'peers_pass()' / 'peers_fail()' - Report one check.
#

peers_pass()
{
  PEERS_PASSES=$((PEERS_PASSES + 1))
  echo "PASS: $*"
}


peers_fail()
{
  PEERS_FAILURES=$((PEERS_FAILURES + 1))
  echo "FAIL: $*"
}


#
# 'peers_finish()' - Summary line; status 1 if any check failed.
#

peers_finish()
{
  echo "$PEERS_PASSES passed, $PEERS_FAILURES failed"
  [ "$PEERS_FAILURES" -eq 0 ] && [ "$PEERS_PASSES" -gt 0 ]
}
