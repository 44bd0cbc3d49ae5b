#!/usr/bin/env bash
# dnssd-zone.sh - `printgate dnssd-zone` against real DNS tools (bind9):
#  - named-checkzone accepts the exported fragment inside a zone (and
#    refuses it when a record is broken: the check can fail);
#  - a private named on loopback (random port, config in a temp dir)
#    serving it answers the DNS-SD browse chain PTR -> SRV -> TXT -> A/AAAA,
#    with the subtypes and the b/lb browse records, and the TXT UUID is the
#    printer's;
#  - bad arguments are refused with a message and no output.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"
D=example.test
gw_start "IppPrinterName \"Lobby Printer 2.0\"" "IppPrinterLocation \"Hall B\"" "DnssdEnable no" || exit 1

check "dnssd-zone DOMAIN HOST ADDRESSES" sh -c "'$PRINTGATE' -c '$GW_CONF' dnssd-zone $D gate 127.0.0.1 ::1 > '$W/frag'"
cat "$W/frag"
zone() {   # zone FRAGMENT OUT: a whole zone around the fragment
  { printf '$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n' $D $D; cat "$1"; } > "$2"
}
zone "$W/frag" "$W/zone"
check "named-checkzone accepts the zone" named-checkzone $D "$W/zone"
sed 's/ IN SRV  0 0 / IN SRV  0 0 x/' "$W/frag" > "$W/bad-frag"
zone "$W/bad-frag" "$W/bad-zone"
check "named-checkzone refuses a broken SRV (negative control)" sh -c "! named-checkzone $D '$W/bad-zone'"

# Default host: ServerName (localhost in tests), addresses resolved by the daemon.
check "dnssd-zone DOMAIN (ServerName, resolved)" sh -c "'$PRINTGATE' -c '$GW_CONF' dnssd-zone $D > '$W/frag2'"
check "ServerName's address is in the zone" grep -q "^localhost .* IN A    127.0.0.1$" "$W/frag2"
zone "$W/frag2" "$W/zone2"
check "named-checkzone accepts the ServerName zone" named-checkzone $D "$W/zone2"

# Bad arguments: a message, nothing on standard output.
for bad in "exa mple.test" "a;b.test" "example..test" "-" ; do
  check "refused: domain '$bad'" sh -c "! '$PRINTGATE' -c '$GW_CONF' dnssd-zone '$bad' > '$W/out' 2> '$W/err' && [ ! -s '$W/out' ] && [ -s '$W/err' ]"
done
check "refused: a bad address" sh -c "! '$PRINTGATE' -c '$GW_CONF' dnssd-zone $D gate 300.1.1.1 > '$W/out' 2>&1 && grep -q address '$W/out'"
check "refused: no domain" sh -c "! '$PRINTGATE' -c '$GW_CONF' dnssd-zone > /dev/null 2>&1"

# A private named serving the zone on 127.0.0.1:PORT.
P=$(peers_free_port)
mkdir -p "$W/named"
cp "$W/zone" "$W/named/$D.zone"
cat > "$W/named/named.conf" <<NAMED
options {
  directory "$W/named";
  pid-file "$W/named/named.pid";
  listen-on port $P { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { 127.0.0.1; };
  dnssec-validation no;
};
controls { };
zone "$D" { type primary; file "$W/named/$D.zone"; };
NAMED
named -g -c "$W/named/named.conf" > "$W/named/log" 2>&1 &
NPID=$!
peers_track "$NPID"
q() { dig +short +time=2 +tries=1 -p "$P" @127.0.0.1 "$@"; }
check "named serves the zone" peers_wait_pid "$NPID" 10 sh -c "dig +short +time=1 +tries=1 -p $P @127.0.0.1 SOA $D | grep -q ns.$D"

check_eq "b._dns-sd._udp PTR" "$(q PTR b._dns-sd._udp.$D)" "$D."
check_eq "lb._dns-sd._udp PTR" "$(q PTR lb._dns-sd._udp.$D)" "$D."
INST=$(q PTR _ipps._tcp.$D)
check_eq "PTR _ipps._tcp -> instance" "$INST" 'Lobby\032Printer\0322\.0._ipps._tcp.example.test.'
check_eq "PTR _universal._sub._ipps._tcp -> instance" "$(q PTR _universal._sub._ipps._tcp.$D)" "$INST"
check_eq "PTR _print._sub._ipps._tcp -> instance" "$(q PTR _print._sub._ipps._tcp.$D)" "$INST"
SRV=$(q SRV "$INST")
check_eq "SRV -> port and host" "$SRV" "0 0 $GW_PORT gate.$D."
TXT=$(q TXT "$INST")
echo "$TXT" | cut -c1-300
check_eq "TXT UUID = STATE/ipp-printer-uuid" "urn:uuid:$(echo "$TXT" | grep -o '"UUID=[^"]*"' | sed 's/"UUID=//; s/"$//')" "$(cat "$GW_STATE/ipp-printer-uuid")"
check "TXT rp, note, URF, _universal keys" sh -c "echo '$TXT' | grep -q '\"rp=ipp/print\"' && echo '$TXT' | grep -q '\"note=Hall B\"' && echo '$TXT' | grep -q '\"URF=V1.4'"
HOST=$(echo "$SRV" | awk '{print $4}')
check_eq "A of the SRV target" "$(q A "$HOST")" "127.0.0.1"
check_eq "AAAA of the SRV target" "$(q AAAA "$HOST")" "::1"
check_eq "no answer for another instance (negative control)" "$(q SRV "Other._ipps._tcp.$D")" ""

gw_stop
check_eq "printgated exited cleanly (0: no sanitizer report)" "$GW_STATUS" 0
gw_finish
