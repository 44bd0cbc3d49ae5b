#!/usr/bin/env bash
# dnssd.sh - the gateway publishes its IPP printer through a real
# avahi-daemon (private D-Bus, lo only; tests/lib/peers.sh):
#  - avahi-browse -rtp resolves _ipps._tcp and the _universal and _print
#    subtypes on the gateway's HTTPS port;
#  - its TXT record agrees key by key with Get-Printer-Attributes (ipptool);
#  - avahi-daemon stopped and started again: the service comes back;
#  - a name already taken (avahi-publish) gives the gateway a new name;
#  - no avahi-daemon: the gateway serves, says so once in the log, and
#    publishes when the daemon appears;
#  - SIGHUP with a new name publishes under it;
#  - DnssdEnable no publishes nothing (negative control for the browsing).
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
NAME="Printgate Test $$"
peers_start_avahi || { echo "FAIL avahi-daemon did not start"; exit 1; }
gw_start "IppPrinterName \"$NAME\"" "IppPrinterLocation \"Room 101, east wing\"" || exit 1

# browse_line TYPE SERVICE-NAME: the resolved avahi-browse line ("=;lo;IPv4;...") of that name.
browse_line() {
  local enc=${2// /\\032}
  enc=${enc//#/\\035}
  timeout 10 avahi-browse -rtpk "$1" 2>/dev/null | grep "^=;" | grep -F ";$enc;_ipps._tcp;" | head -1
}
published() {   # published NAME PORT [TYPES...]: resolved with that port under these types (default: all three)
  local name=$1 port=$2 t l types=(_ipps._tcp _universal._sub._ipps._tcp _print._sub._ipps._tcp)
  shift 2
  [ $# -gt 0 ] && types=("$@")
  for t in "${types[@]}"; do
    l=$(browse_line "$t" "$name")
    [ "$(echo "$l" | cut -d';' -f9)" = "$port" ] || return 1
  done
}
gone() {   # gone NAME: no _ipps._tcp service of that name resolves
  [ -z "$(browse_line _ipps._tcp "$1")" ]
}
unpublished() {   # unpublished PORT: no _ipps._tcp service resolves to that port
  ! timeout 5 avahi-browse -rtpk _ipps._tcp 2>/dev/null | grep -q ";$1;"
}
fingerprint() {   # fingerprint PORT: SHA-256 of the listener's certificate
  openssl s_client -connect "127.0.0.1:$1" -servername localhost < /dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
restart_avahi() {
  avahi-daemon -f "$W/avahi/avahi.conf" --no-drop-root --no-chroot --no-rlimits > "$W/avahi/avahi2.log" 2>&1 &
  PEERS_AVAHI_PID=$!
  peers_track "$PEERS_AVAHI_PID"
  peers_wait_pid "$PEERS_AVAHI_PID" 10 grep -q "Server startup complete" "$W/avahi/avahi2.log"
}

check "published: _ipps._tcp, _universal and _print subtypes on the HTTPS port" \
  peers_wait 20 published "$NAME" "$GW_PORT"
LINE=$(browse_line _universal._sub._ipps._tcp "$NAME")
echo "$LINE" | cut -c1-200

# TXT (the last field: "k=v" "k=v" ...) as key<TAB>value lines.
echo "$LINE" | cut -d';' -f10- | grep -o '"[^"]*"' | sed 's/^"//; s/"$//; s/=/\t/' > "$W/txt"
txt() { awk -F'\t' -v k="$1" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' "$W/txt"; }

# Get-Printer-Attributes over IPPS, as a phone does before it prints.
sleep 1
(cd /usr/share/cups/ipptool && timeout 60 ipptool -tv "ipps://localhost:$GW_PORT/ipp/print" get-printer-attributes.test) > "$W/gpa" 2>&1
gpa() { sed -n "s/^ *$1 ([^)]*) = //p" "$W/gpa" | head -1; }
check "Get-Printer-Attributes answered" grep -q "printer-uuid (uri) = urn:uuid:" "$W/gpa"

keys=$(cut -f1 "$W/txt" | sort | tr '\n' ' ')
check_eq "TXT keys" "$keys" "$(printf '%s\n' txtvers qtotal rp ty product note pdl URF Color Duplex TLS UUID air adminurl kind PaperMax priority | sort | tr '\n' ' ')"
check_eq "TXT UUID = printer-uuid" "urn:uuid:$(txt UUID)" "$(gpa printer-uuid)"
check_eq "TXT UUID = STATE/ipp-printer-uuid" "urn:uuid:$(txt UUID)" "$(cat "$GW_STATE/ipp-printer-uuid")"
check_eq "TXT rp = printer-uri-supported's path" "/$(txt rp)" "$(gpa printer-uri-supported | sed 's|^ipps://[^/]*||')"
check_eq "TXT ty = printer-make-and-model" "$(txt ty)" "$(gpa printer-make-and-model)"
check_eq "TXT product = (printer-make-and-model)" "$(txt product)" "($(gpa printer-make-and-model))"
check_eq "TXT note = printer-location" "$(txt note)" "$(gpa printer-location)"
# pdl: document-format-supported cut at a comma where a TXT string ends (the rarer formats are last).
PDL=$(txt pdl) DFS=$(gpa document-format-supported)
check "TXT pdl is document-format-supported cut at a comma (${#PDL} of ${#DFS} bytes)" \
  sh -c 'case "$2," in "$1",*) [ ${#1} -le 251 ] ;; *) false ;; esac' - "$PDL" "$DFS"
check "TXT pdl has PDF, URF, PWG raster and application/octet-stream" \
  sh -c 'for f in application/pdf image/urf image/pwg-raster application/octet-stream; do case ",$1," in *",$f,"*) ;; *) exit 1 ;; esac; done' - "$PDL"
check_eq "TXT URF = urf-supported (not empty)" "$(txt URF)" "$(gpa urf-supported)"
check "TXT URF is not empty" test -n "$(txt URF)"
check_eq "TXT kind = printer-kind" "$(txt kind)" "$(gpa printer-kind)"
check_eq "TXT adminurl = printer-more-info" "$(txt adminurl)" "$(gpa printer-more-info)"
check_eq "TXT Color = color-supported" "$(txt Color)" "$([ "$(gpa color-supported)" = true ] && echo T || echo F)"
check_eq "TXT Duplex = sides-supported has two-sided" "$(txt Duplex)" "$(gpa sides-supported | grep -q two-sided && echo T || echo F)"
check_eq "TXT air = uri-authentication-supported basic" "$(txt air)/$(gpa uri-authentication-supported)" "username,password/basic"
check_eq "TXT txtvers, qtotal, TLS" "$(txt txtvers) $(txt qtotal) $(txt TLS)" "1 1 1.2"
check "media-col-ready carries media-source" grep -q "media-col-ready (collection) = {.*media-source=main" "$W/gpa"
UUID1=$(txt UUID)
FP1=$(fingerprint "$GW_PORT")
check "the certificate's fingerprint was read" test -n "$FP1"

# avahi-daemon goes away and comes back: the service comes back.
peers_stop "$PEERS_AVAHI_PID"
check "avahi-daemon gone: the gateway noticed" peers_wait 10 grep -q "avahi-daemon went away" "$GW_LOG"
check "avahi-daemon gone: the gateway still serves" peers_wait_ipp "ipps://localhost:$GW_PORT/ipp/print" 10
check "avahi-daemon restarted" restart_avahi
check "avahi-daemon restarted: the service is back" peers_wait 20 published "$NAME" "$GW_PORT"

# A name taken already: the gateway publishes under a new one.
gw_stop
check "gateway stopped: its service is withdrawn" peers_wait 10 unpublished "$GW_PORT"
avahi-publish -s "$NAME" _ipps._tcp 9 > "$W/publish.log" 2>&1 &
PUB=$!
peers_track "$PUB"
check "avahi-publish holds the name" peers_wait 10 published "$NAME" 9 _ipps._tcp
gw_restart
check "collision: the gateway is published as \"$NAME #2\"" peers_wait 20 published "$NAME #2" "$GW_PORT"
check "collision: logged" grep -q "is taken" "$GW_LOG"
check "collision: the other service keeps its name" published "$NAME" 9 _ipps._tcp
peers_stop "$PUB"

# No avahi-daemon: the gateway starts, serves, says so once, and publishes once the daemon comes.
gw_stop
peers_stop "$PEERS_AVAHI_PID"
: > "$GW_LOG"
gw_restart
check "no avahi-daemon: the gateway serves" peers_wait_ipp "ipps://localhost:$GW_PORT/ipp/print" 10
sleep 3
check_eq "no avahi-daemon: said once in the log" "$(grep -c 'no avahi-daemon' "$GW_LOG")" 1
check "avahi-daemon started late" restart_avahi
check "avahi-daemon started late: published" peers_wait 20 published "$NAME" "$GW_PORT"

# Two restarts later: the same UUID in the TXT record and the same TLS certificate (Android pins both).
browse_line _ipps._tcp "$NAME" | cut -d';' -f10- | grep -o '"[^"]*"' | sed 's/^"//; s/"$//; s/=/\t/' > "$W/txt"
check_eq "after restarts: the same TXT UUID" "$(txt UUID)" "$UUID1"
check_eq "after restarts: the same TLS certificate" "$(fingerprint "$GW_PORT")" "$FP1"

# SIGHUP with a new IppPrinterName: published again under it, the old name withdrawn.
sed -i "s/^IppPrinterName .*/IppPrinterName \"$NAME R\"/" "$GW_CONF"
kill -HUP "$GW_PID"
check "reload: published under the new name" peers_wait 20 published "$NAME R" "$GW_PORT"
check "reload: the old name is withdrawn" peers_wait 10 gone "$NAME"

# DnssdEnable no: nothing is published (the browsing above can fail).
gw_stop
echo "DnssdEnable no" >> "$GW_CONF"
gw_restart
sleep 2
check "DnssdEnable no: not published" unpublished "$GW_PORT"
check "DnssdEnable no: logged" grep -q "DNS-SD: off" "$GW_LOG"

gw_stop
check_eq "printgated exited cleanly (0: no sanitizer report)" "$GW_STATUS" 0
gw_finish
