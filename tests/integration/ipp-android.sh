#!/usr/bin/env bash
# ipp-android.sh - adding the gateway without a password prompt (issue 11
# items 2 and 4), with the clients' own tools:
#  1. Android's print service, emulated with ipptool and curl (it cannot
#     run here): Get-Printer-Attributes on the token URI with no
#     credentials succeeds and reports the token URI with
#     uri-authentication-supported none (and /ipp/print says basic); a PDF
#     Print-Job with requesting-user-name set to a phone model lands held
#     for the token's owner;
#  2. printgate mobileconfig USER DEVICE: the profile parses with Python's
#     plistlib and plistutil, has the AirPrint payload's keys (IPAddress,
#     Port, ResourcePath = /ipp/print/<token>, ForceTLS true) and unique
#     PayloadUUIDs, and the token in it prints; a second profile for the
#     same device name is refused, an existing --output file is kept;
#  3. printgate qr URL: a PNG that zbarimg decodes back to the URL; a bad
#     scale is refused.
set -u
. "$GW_SOURCE_DIR/tests/lib/ipp-test.sh"

gw_start
gw user add erin >/dev/null
gw user add frank >/dev/null
gw_make_pdf "$W/doc.pdf" 2 "Android test"
TURL=$(gw device add erin erin-pixel | sed -n 's/^ *URL: *//p')
TOKEN=${TURL##*/}
check "a token URL ($TURL)" test ${#TOKEN} -eq 43
held_of() { "$PRINTGATE" -c "$GW_CONF" job list --user "$1" 2>/dev/null | grep -c " held "; }

# ---- 1. Android, emulated ------------------------------------------------------
{
peers_ipp_request "Get-Printer-Attributes as the Android print service (no credentials)" Get-Printer-Attributes
cat <<'EOF'
  ATTR name requesting-user-name "Pixel 8"
  STATUS successful-ok
  EXPECT printer-uri-supported OF-TYPE uri COUNT 1 WITH-VALUE "/\/ipp\/print\/[A-Za-z0-9_-]{43}$/"
  EXPECT uri-authentication-supported OF-TYPE keyword COUNT 1 WITH-VALUE none
  EXPECT uri-security-supported OF-TYPE keyword COUNT 1 WITH-VALUE tls
  EXPECT printer-uuid
}
EOF
peers_ipp_request "Print-Job of a PDF as Pixel 8" Print-Job
cat <<'EOF'
  ATTR name requesting-user-name "Pixel 8"
  ATTR name job-name "Boarding pass"
  ATTR mimeMediaType document-format application/pdf
  FILE $filename
  STATUS successful-ok
  EXPECT job-id OF-TYPE integer
}
EOF
} > "$W/android.test"
{
peers_ipp_request "Get-Printer-Attributes on /ipp/print" Get-Printer-Attributes
cat <<'EOF'
  STATUS successful-ok
  EXPECT printer-uri-supported OF-TYPE uri COUNT 1 WITH-VALUE "/\/ipp\/print$/"
  EXPECT uri-authentication-supported OF-TYPE keyword COUNT 1 WITH-VALUE basic
}
EOF
} > "$W/basic.test"
before=$(held_of erin)
check "ipptool: the token URI, no credentials, uri-authentication-supported none, Print-Job as Pixel 8" \
  sh -c "timeout 60 ipptool -t -f '$W/doc.pdf' '$TURL' '$W/android.test' > '$W/android.out' 2>&1"
grep -E "PASS|FAIL|EXPECTED|GOT" "$W/android.out" | head -20
check "ipptool: /ipp/print says basic" \
  sh -c "timeout 60 ipptool -t 'ipps://localhost:$GW_PORT/ipp/print' '$W/basic.test' > '$W/basic.out' 2>&1"
check "positive control: the Android test file fails on /ipp/print (basic there)" \
  sh -c "! timeout 60 ipptool -t -f '$W/doc.pdf' 'ipps://localhost:$GW_PORT/ipp/print' '$W/android.test' >/dev/null 2>&1"
peers_wait 30 sh -c "test \$($PRINTGATE -c $GW_CONF job list --user erin | grep -c ' held ') -gt $before"
check "the job is held for erin, the token's owner" test "$(held_of erin)" -gt "$before"
check "nothing for a user called Pixel 8" sh -c "! $PRINTGATE -c $GW_CONF job list | grep -q 'Pixel'"

# curl, as a plain HTTP client would probe: 200, application/ipp, no challenge.
python3 - "$W/gpa.bin" "$TURL" <<'EOF'
import struct, sys
def attr(tag, name, value):
    return bytes([tag]) + struct.pack(">H", len(name)) + name.encode() + struct.pack(">H", len(value)) + value.encode()
body = bytes([2, 0]) + struct.pack(">Hi", 0x0B, 7) + b"\x01" + attr(0x47, "attributes-charset", "utf-8") \
    + attr(0x48, "attributes-natural-language", "en") + attr(0x45, "printer-uri", sys.argv[2]) + b"\x03"
open(sys.argv[1], "wb").write(body)
EOF
curl -sk -D "$W/curl.head" -o "$W/curl.body" -H 'Content-Type: application/ipp' --data-binary @"$W/gpa.bin" \
  "https://localhost:$GW_PORT/ipp/print/$TOKEN"
check "curl: 200 application/ipp on the token URI" sh -c "head -1 '$W/curl.head' | grep -q ' 200' && grep -qi 'content-type: application/ipp' '$W/curl.head'"
check "curl: no Basic challenge there" sh -c "! grep -qi 'www-authenticate' '$W/curl.head'"
check "curl: the answer names the token URI" grep -qaF "/ipp/print/$TOKEN" "$W/curl.body"

# ---- 2. The iOS/macOS profile -----------------------------------------------------
check "mobileconfig erin erin-iphone --output" gw mobileconfig erin erin-iphone --output "$W/erin.mobileconfig"
check "the profile file is private (0600)" test "$(stat -c %a "$W/erin.mobileconfig")" = 600
PARSED=$(python3 - "$W/erin.mobileconfig" "$GW_PORT" <<'EOF'
import plistlib, re, sys
p = plistlib.load(open(sys.argv[1], "rb"))
ap = p["PayloadContent"][0]
printer = ap["AirPrint"][0]
ok = (p["PayloadType"] == "Configuration" and p["PayloadVersion"] == 1 and ap["PayloadType"] == "com.apple.airprint"
      and printer["IPAddress"] == "localhost" and printer["Port"] == int(sys.argv[2]) and printer["ForceTLS"] is True
      and re.fullmatch(r"/ipp/print/[A-Za-z0-9_-]{43}", printer["ResourcePath"]) is not None
      and p["PayloadUUID"] != ap["PayloadUUID"] and ap["PayloadIdentifier"].startswith(p["PayloadIdentifier"])
      and "erin" in p["PayloadDisplayName"])
print(("OK " if ok else "BAD ") + printer["ResourcePath"])
EOF
)
check "plistlib: AirPrint payload with host, port, ForceTLS, the token path ($PARSED)" sh -c "echo '$PARSED' | grep -q '^OK /ipp/print/'"
check "plistutil is installed (libplist-utils, scripts/deps.sh --test)" command -v plistutil
check "plistutil reads it too (XML to binary)" plistutil -i "$W/erin.mobileconfig" -o "$W/erin.bplist"
check "and the binary plist holds the path" grep -qaF "${PARSED#OK }" "$W/erin.bplist"
RP=${PARSED#OK }
check "the profile's token is a new device's, not erin-pixel's" test "$RP" != "/ipp/print/$TOKEN"
check "device list shows erin-iphone" sh -c "$PRINTGATE -c $GW_CONF device list erin | grep -q erin-iphone"
before=$(held_of erin)
out=$($IPC "$GW_PORT" print --document "$W/doc.pdf" --format application/pdf --path "$RP" 2>&1)
check "Print-Job with the profile's token, no credentials ($out)" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id='"
peers_wait 30 sh -c "test \$($PRINTGATE -c $GW_CONF job list --user erin | grep -c ' held ') -gt $before"
check "held for erin" test "$(held_of erin)" -gt "$before"
# The formats the converter takes besides PDF, typed by the phone (issue 15
# item 4): listed in document-format-supported, and each one held.
for f in image/svg+xml application/oxps message/rfc822; do
  check "document-format-supported lists $f" grep -qaF "$f" "$W/curl.body"
done
before=$(held_of erin)
for doc in "sample.svg image/svg+xml" "mail-plain.eml message/rfc822"; do
  set -- $doc
  out=$($IPC "$GW_PORT" print --document "$GW_SOURCE_DIR/tests/data/convert/$1" --format "$2" --path "$RP" 2>&1)
  check "Print-Job of $1 as $2 ($out)" sh -c "echo '$out' | grep -q 'IPP 0x0000 job-id='"
done
peers_wait 60 sh -c "test \$($PRINTGATE -c $GW_CONF job list --user erin | grep -c ' held ') -ge $((before + 2))"
check "both held for erin" test "$(held_of erin)" -ge "$((before + 2))"
check "the same device name again is refused" sh -c "! $PRINTGATE -c $GW_CONF mobileconfig erin erin-iphone --output '$W/again.mobileconfig' 2>/dev/null"
check "and no file is left" test ! -e "$W/again.mobileconfig"
echo keep > "$W/exists"
check "an existing --output file is not overwritten" sh -c "! $PRINTGATE -c $GW_CONF mobileconfig erin erin-ipad --output '$W/exists' 2>/dev/null"
check "it still holds what it held" grep -qx keep "$W/exists"
check "and no device was made for nothing" sh -c "! $PRINTGATE -c $GW_CONF device list erin | grep -q erin-ipad"
check "an unknown user is refused" sh -c "$PRINTGATE -c $GW_CONF mobileconfig nobody x 2>&1 | grep -q 'no such user'"
check "the token is not in the log" sh -c "! grep -qF '${RP##*/}' '$GW_LOG'"

# ---- 3. QR codes -------------------------------------------------------------------
check "qr TOKEN-URL --output" "$PRINTGATE" qr "$TURL" --output "$W/token.png"
check "a PNG" sh -c "file '$W/token.png' | grep -q 'PNG image data'"
check "zbarimg is installed (zbar-tools, scripts/deps.sh --test)" command -v zbarimg
check "zbarimg decodes it back to the token URL" sh -c "test \"\$(zbarimg -q --raw '$W/token.png' 2>/dev/null)\" = '$TURL'"
"$PRINTGATE" qr "ipps://localhost:$GW_PORT/ipp/print" > "$W/printer.png"
check "qr to standard output: the printer URL" sh -c "test \"\$(zbarimg -q --raw '$W/printer.png' 2>/dev/null)\" = 'ipps://localhost:$GW_PORT/ipp/print'"
check "positive control: the two codes differ" sh -c "! cmp -s '$W/token.png' '$W/printer.png'"
check "qr --scale 0 is refused" sh -c "! $PRINTGATE qr x --scale 0 --output '$W/bad.png' 2>/dev/null && test ! -e '$W/bad.png'"
check "qr without a URL is a usage error" sh -c "! $PRINTGATE qr 2>/dev/null"

gw_stop
gw_finish
