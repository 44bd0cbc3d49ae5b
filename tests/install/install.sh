#!/usr/bin/env bash
# install.sh - install the Debian package (built by build-deb.sh, a ctest
# fixture) in a throwaway root, check what it installed, run the daemon as
# the packaged unit would (as the printgate user, with the unit's settings,
# under setpriv instead of systemd), submit and release a job with the
# installed CLI to an ippeveprinter, then remove and purge the package and
# check what remains.
#
# The throwaway root: a private mount namespace (unshare) whose root is an
# overlay of / with a tmpfs on top (pivot_root, not chroot, so the
# converter's sandbox may still create its user namespaces).  dpkg, the new
# user and everything the package writes live only in that tmpfs: when the
# test ends, however it ends, the namespace and all of it are gone, the
# host's dpkg database and /etc/passwd were never touched, and a test
# running at the same time sees none of it.  The daemon listens on a
# random loopback port and converts in a folder of its own.  Needs root.
set -u
: "${GW_SOURCE_DIR:?}" "${GW_BUILD_DIR:?}"

if [ "${1:-}" != "--in-root" ]; then
  . "$GW_SOURCE_DIR/tests/lib/peers.sh"
  . "$GW_SOURCE_DIR/tests/lib/gateway.sh"
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (a mount namespace, dpkg, setpriv); CI runs as root"
    exit 77
  fi
  DEB=$(ls "$GW_BUILD_DIR"/package/printgate_*.deb 2>/dev/null | head -1)
  [ -n "$DEB" ] || { echo "FAIL no package in $GW_BUILD_DIR/package (ctest -R install/ runs build-deb.sh first)"; exit 1; }
  host_state() {
    echo "dpkg: $(dpkg-query -W -f='${Status}' printgate 2>/dev/null)"
    echo "user: $(getent passwd printgate)"
    ls -ld /usr/sbin/printgated /etc/printgate /var/lib/printgate /lib/systemd/system/printgated.service 2>&1 | sed 's/^/file: /'
  }
  before=$(host_state)
  T=$(mktemp -d /tmp/printgate-install-root.XXXXXX)   # mount point of the throwaway root's tmpfs
  DEB=$DEB T=$T unshare --mount --net --propagation private --fork bash "$0" --in-root
  rc=$?
  rmdir "$T"
  after=$(host_state)
  PEERS_DIR=$(mktemp -d)             # for check()'s output
  check_eq "the host is as before (dpkg, user, files)" "$after" "$before"
  rm -rf "$PEERS_DIR"
  [ "$rc" -eq 0 ] || GW_FAILURES=$((GW_FAILURES + 1))
  gw_finish
  exit $?
fi

#
# In the private mount and network namespaces: build the throwaway root
# and move into it.
#

set -e
mount -t tmpfs -o size=4G,mode=0755 pg-install "$T"
mkdir "$T/upper" "$T/work" "$T/new"
R=$T/new
mount -t overlay pg-install -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R"
mount --rbind /dev "$R/dev"
mount -t tmpfs -o mode=1777,size=2G pg-install-shm "$R/dev/shm"   # the default ConversionDir, ours alone
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"                  # this network namespace's
mkdir -p "$R/.oldroot"
cd "$R"
pivot_root . .oldroot
cd /
umount -l /.oldroot
ip link set lo up
set +e

# Peers of our own: the network namespace has its own loopback, and /run
# is the throwaway root's, so this avahi-daemon and ippeveprinter share
# nothing (ports, pid files, locks) with tests running on the host.
. "$GW_SOURCE_DIR/tests/lib/peers.sh"
peers_init
peers_start_avahi || { echo "FAIL avahi"; exit 1; }
peers_start_ippeveprinter "PG Install" application/pdf || { echo "FAIL ippeveprinter"; exit 1; }
PRN_PORT=$PEERS_IPP_PORT PRN_DIR=$PEERS_IPP_DIR

. "$GW_SOURCE_DIR/tests/lib/gateway.sh"
W=$PEERS_DIR/in-root
mkdir -p "$W"

# No service starts on install (there is no systemd here anyway).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d

#
# Install.
#

check "apt-get install ./printgate.deb (dependencies resolved from the system)" \
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "$DEB"
check "dpkg says installed" sh -c "dpkg-query -W -f='\${Status}' printgate | grep -q 'install ok installed'"

pw=$(getent passwd printgate)
check "user printgate exists" test -n "$pw"
uid=$(echo "$pw" | cut -d: -f3)
check "printgate is a system user (uid < 1000)" test "${uid:-99999}" -lt 1000
check_eq "its home and shell" "$(echo "$pw" | cut -d: -f6-7)" "/var/lib/printgate:/usr/sbin/nologin"
check_eq "its primary group is printgate" "$(id -gn printgate 2>/dev/null)" "printgate"
check "no password to log in with" sh -c "getent shadow printgate | cut -d: -f2 | grep -qv '^\\\$'"

mode() { stat -c '%U:%G %a' "$1" 2>&1; }
check_eq "/var/lib/printgate" "$(mode /var/lib/printgate)" "printgate:printgate 700"
check_eq "/usr/sbin/printgated" "$(mode /usr/sbin/printgated)" "root:root 755"
check_eq "/usr/bin/printgate" "$(mode /usr/bin/printgate)" "root:root 755"
check_eq "/usr/libexec/printgate/printgate-convert" "$(mode /usr/libexec/printgate/printgate-convert)" "root:root 755"
check_eq "/usr/libexec/printgate/printgate-office-sandbox" "$(mode /usr/libexec/printgate/printgate-office-sandbox)" "root:root 755"
check_eq "/usr/libexec/printgate/printgate-reaper" "$(mode /usr/libexec/printgate/printgate-reaper)" "root:root 755"
check "the Office worker is installed" test -s /usr/libexec/printgate/printgate-office-worker.py
check_eq "/etc/printgate/printgate.conf" "$(mode /etc/printgate/printgate.conf)" "root:root 644"
check "printgate.conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' printgate | grep -q '/etc/printgate/printgate.conf '"
check_eq "the unit" "$(mode /lib/systemd/system/printgated.service)" "root:root 644"
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/printgated.service
check "no file of the package is setuid, setgid or writable by others" \
  sh -c "dpkg -L printgate | while read -r f; do [ -L \"\$f\" ] || [ ! -e \"\$f\" ] || stat -c '%a %n' \"\$f\"; done | awk '\$1 ~ /^[2467]...\$/ || \$1 ~ /[2367]\$/ {print; bad=1} END {exit bad}'"
for page in printgated printgate printgate.conf; do
  check "man $page finds the installed page, no warnings" \
    sh -c "f=\$(man -w $page) && test -n \"\$f\" && case \$f in /usr/share/man/*) ;; *) exit 1;; esac && test -z \"\$(MANWIDTH=80 man --warnings $page 2>&1 >/dev/null)\""
done
check "the installed example config is the conffile" cmp /etc/printgate/printgate.conf /usr/share/doc/printgate/examples/printgate.conf

# The unit as packaged: own user, hardening kept, no core files, no
# capability unless asked for.
U=/lib/systemd/system/printgated.service
unit() { sed -n "s/^$1=//p" "$U"; }
check_eq "unit: User" "$(unit User)" "printgate"
check_eq "unit: Group" "$(unit Group)" "printgate"
check_eq "unit: LimitCORE" "$(unit LimitCORE)" "0"
check_eq "unit: UMask" "$(unit UMask)" "0077"
check_eq "unit: NoNewPrivileges" "$(unit NoNewPrivileges)" "yes"
check_eq "unit: ProtectSystem" "$(unit ProtectSystem)" "strict"
check_eq "unit: StateDirectory" "$(unit StateDirectory) $(unit StateDirectoryMode)" "printgate 0700"
check_eq "unit: no capability by default" "$(unit AmbientCapabilities)$(unit CapabilityBoundingSet)" ""
check_eq "unit: ExecStart" "$(unit ExecStart)" "/usr/sbin/printgated -c /etc/printgate/printgate.conf"
check "unit: systemd-analyze verify" sh -c "out=\$(systemd-analyze verify $U 2>&1); echo \"\$out\"; ! echo \"\$out\" | grep -v -e 'network-online' -e 'multi-user' -e '^\$' | grep -q ."

#
# Run it as the unit would: ExecStartPre (printgated -t) and ExecStart as
# printgate, UMask=0077, LimitCORE=0, NoNewPrivileges=yes, no capability;
# a test config (random loopback port) next to the packaged one, which
# stays as installed.
#

# The unit's User=, Group=, NoNewPrivileges=, UMask= and LimitCORE=, read
# from the installed unit (checked above), and no capability unless one is
# given: unit_as_argv CAP is the drop-in's AmbientCapabilities=CAP.
unit_as_argv() {   # unit_as_argv [CAP]: sets UNIT_AS to the unit's command prefix
  local caps=-all
  [ -n "${1:-}" ] && caps="-all,+$1"
  UNIT_AS=(setpriv --reuid="$(unit User)" --regid="$(unit Group)" --init-groups
           $([ "$(unit NoNewPrivileges)" = yes ] && echo --no-new-privs) --inh-caps="$caps"
           $([ -n "${1:-}" ] && echo --ambient-caps="$caps")
           -- sh -c "umask $(unit UMask); ulimit -c $(unit LimitCORE); "'exec "$@"' sh)
}
unit_as_argv
as_unit() {   # as_unit CMD...: run CMD as the unit runs the daemon
  "${UNIT_AS[@]}" "$@"
}
start_as_unit() {   # start_as_unit CONF JOURNAL: ExecStart on CONF in the background; DAEMON_PID
  local i
  "${UNIT_AS[@]}" ${exec_start/\/etc\/printgate\/printgate.conf/$1} > "$2" 2>&1 &   # setpriv, sh, printgated: one PID
  DAEMON_PID=$!
  peers_track "$DAEMON_PID"
  for i in $(seq 150); do
    grep -q "printgated ready" "$2" && test -S "$SOCK" && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$2"
  return 1
}
exec_start=$(unit ExecStart)
SOCK=/var/lib/printgate/printgated.sock
pre=$(unit ExecStartPre)
check_eq "ExecStartPre is printgated -t on the packaged config" "$pre" "/usr/sbin/printgated -t -c /etc/printgate/printgate.conf"
check "ExecStartPre as printgate: the packaged config is OK" sh -c "\"\$@\" | grep -q 'configuration OK'" _ "${UNIT_AS[@]}" $pre

CONF=/etc/printgate/install-test.conf
{ cat /etc/printgate/printgate.conf
  printf '%s\n' "ListenAddress 127.0.0.1" "ListenPort 0" "ServerName localhost" "LogLevel debug"; } > "$CONF"
check "printgated -t on the test config" as_unit /usr/sbin/printgated -t -c "$CONF"

# Standard output is not a terminal, as under systemd: it is the "journal".
check "the daemon started as printgate" start_as_unit "$CONF" "$W/journal"
check_eq "it runs as printgate" "$(ps -o user= -p "$DAEMON_PID" 2>/dev/null | tr -d ' ')" "printgate"
check_eq "with no capabilities and no_new_privs" "$(awk '/^CapEff|^NoNewPrivs/ {printf "%s ", $2}' /proc/$DAEMON_PID/status 2>/dev/null)" "0000000000000000 1 "
check_eq "and no core files" "$(awk '/^Max core file size/ {print $5, $6}' /proc/$DAEMON_PID/limits 2>/dev/null)" "0 0"

PWFILE=/var/lib/printgate/initial-admin-password
check_eq "the admin's one-time password file: root and printgate only" "$(mode $PWFILE)" "printgate:printgate 600"
password=$(cat "$PWFILE" 2>/dev/null)
check "it holds a password" test "${#password}" -ge 12
check "the journal says where it is" grep -q "one-time password is in $PWFILE" "$W/journal"
check "the journal does not say what it is" sh -c "! grep -qF -- '$password' '$W/journal'"
check "nothing else under /var/lib/printgate holds it in clear" sh -c "! grep -rlF -- '$password' /var/lib/printgate | grep -v '^$PWFILE\$'"
check "another user cannot read it" sh -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups cat $PWFILE"
check_eq "state created by the daemon: keys" "$(mode /var/lib/printgate/keys/root.key)" "printgate:printgate 400"

pg() { /usr/bin/printgate -c "$CONF" "$@"; }
check "installed CLI: status" sh -c "/usr/bin/printgate -c $CONF status | grep -q 'printgated $(/usr/sbin/printgated --version | cut -d' ' -f2)'"
check "installed CLI as the printgate user" as_unit /usr/bin/printgate -c "$CONF" status
check "installed CLI as another user is refused" sh -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/printgate -c $CONF status"
check "user add" pg user add alice
check "printer add" pg printer add lobby "ipp://127.0.0.1:$PRN_PORT/ipp/print"
gw_make_pdf "$W/doc.pdf" 2 "Installed package test"
JOB=$(pg job submit --user alice "$W/doc.pdf" 2>"$W/submit.err")
check "job submit (converted by the installed helper, in its sandbox)" sh -c "echo '$JOB' | grep -Eq '^[0-9a-f-]{36}\$' || { cat '$W/submit.err'; tail -20 '$W/journal'; exit 1; }"
check "the job is held with 2 pages" sh -c "/usr/bin/printgate -c $CONF --json job show $JOB | grep -q '\"pages\": 2'"
PIN=$(pg pin new alice)
check "release by PIN (from stdin)" sh -c "echo '$PIN' | /usr/bin/printgate -c $CONF release --pin - --printer lobby"
got=""
for i in $(seq 50); do got=$(ls -t "$PRN_DIR"/*.pdf 2>/dev/null | head -1); [ -n "$got" ] && break; sleep 0.1; done
check "the printer received the held PDF" gw_same_pdf "$W/doc.pdf" "${got:-/nonexistent}"

kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; status=$?
check_eq "SIGTERM: the daemon exits 0" "$status" 0

# A port below 1024: refused without a capability; bound with the drop-in's
# AmbientCapabilities=CAP_NET_BIND_SERVICE, and then that is the only one.
# (Port 443 of this test's own network namespace.)
sed 's/^ListenPort 0$/ListenPort 443/' "$CONF" > "$CONF.443"
out=$(as_unit /usr/sbin/printgated -c "$CONF.443" 2>&1 </dev/null); rc=$?
check "ListenPort 443 without the capability: refused with the reason" sh -c "test $rc -ne 0 && echo \"\$1\" | grep -q 'Permission denied'" _ "$out"
unit_as_argv net_bind_service
check "ListenPort 443 with AmbientCapabilities=CAP_NET_BIND_SERVICE: it binds" start_as_unit "$CONF.443" "$W/journal.443"
check "it listens on 443" grep -q 'https://localhost:443/health' "$W/journal.443"
check_eq "its only capability is CAP_NET_BIND_SERVICE" "$(awk '/^CapEff/ {print $2}' /proc/$DAEMON_PID/status 2>/dev/null)" "0000000000000400"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; status=$?
check_eq "SIGTERM: exit 0" "$status" 0
unit_as_argv
rm -f "$CONF" "$CONF.443"

#
# Remove, then purge.
#

check "apt-get remove" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o Dpkg::Use-Pty=0 printgate
check "remove: the programs are gone" sh -c "! test -e /usr/sbin/printgated && ! test -e /usr/bin/printgate && ! test -e /usr/libexec/printgate"
check "remove: the unit is gone" test ! -e "$U"
check "remove: the conffile stays" test -f /etc/printgate/printgate.conf
check "remove: the state stays" test -f /var/lib/printgate/printgate.db
dpkg --purge printgate > "$W/purge.out" 2>&1
check "dpkg --purge" test $? -eq 0
check "purge: no trace in dpkg" sh -c "! dpkg-query -W -f='\${Status}' printgate 2>/dev/null | grep -q installed"
check "purge: /etc/printgate is gone" test ! -e /etc/printgate
check "purge: the unit is no longer enabled" test ! -e /etc/systemd/system/multi-user.target.wants/printgated.service
check "purge: the state is kept, and purge says so" sh -c "test -f /var/lib/printgate/printgate.db && grep -q '/var/lib/printgate .* was kept' '$W/purge.out'"
check_eq "purge: the kept state is still the daemon's" "$(mode /var/lib/printgate)" "printgate:printgate 700"
check "purge: the printgate user stays (Debian keeps system users)" getent passwd printgate
echo "after purge, remaining: $(ls /var/lib/printgate | tr '\n' ' '); user $(getent passwd printgate | cut -d: -f1,3)"

gw_finish
