#!/usr/bin/env bash
# mail-html.sh - an HTML mail body through the Office pool (docs/mail.md,
# "What is printed"), mail fetched from the FAKE EWS server
# (tests/tools/fake-ews.py, not Microsoft's):
#  1. an HTML body (subject "body") with an inline cid: logo (a red PNG in a
#     multipart/related): the body is held as an html document, and its page
#     is in colour (the logo is drawn from the message; the gateway's CLI
#     has no way to take a held PDF out, so pdfimages cannot be used here);
#  2. an HTML body naming remote content on a test HTTP server that counts
#     requests (<img src>, <link> style sheet, style url(), CSS @import,
#     <iframe>, <meta refresh>, srcset): held as html, black and white, and
#     the server saw zero requests (its counter's positive control: the
#     test's own curl is counted).
# Skipped (77) only when LibreOffice is not installed.
set -u
. "$GW_SOURCE_DIR/tests/lib/mail-test.sh"

if [ ! -x /usr/lib/libreoffice/program/soffice.bin ] || [ ! -r /usr/lib/python3/dist-packages/uno.py ]; then
  echo "SKIP: LibreOffice or python3-uno is not installed (scripts/deps.sh --test)"
  exit 77
fi

T=$(mktemp -d /dev/shm/pgtest.XXXXXX)
chmod 0711 "$T"     # OfficeUser must pass through every folder above OfficeTmpDir
PEERS_EXTRA_DIRS+=("$T")

# The counting HTTP server: every request adds a line to $W/http.log.
/usr/bin/python3 - "$W/http.port" "$W/http.log" > "$W/http.out" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write(self.path + "\n")
        self.send_response(404); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
peers_track $!
for ((i = 0; i < 50; i ++)); do [ -s "$W/http.port" ] && break; sleep 0.1; done
HPORT=$(cat "$W/http.port")
: > "$W/http.log"

F=$W/fake
fakems_tls "$F" && mkdir -p "$F/mailbox" || { echo "FAIL cannot make the test certificates"; exit 1; }
/usr/bin/python3 - "$F/mailbox" "$HPORT" <<'PY' || { echo "FAIL cannot make the messages"; exit 1; }
import sys, zlib, struct, email.message, email.utils
box, port = sys.argv[1], sys.argv[2]
def png(w, h, rgb):
    raw = b"".join(b"\0" + bytes(rgb) * w for _ in range(h))
    ch = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b"")
def message(subject):
    m = email.message.EmailMessage()
    m["Authentication-Results"] = "mx.example.test; spf=pass smtp.mailfrom=alice@example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
    m["From"] = "Alice <alice@example.test>"; m["To"] = "print@example.test"; m["Subject"] = subject
    m["Message-ID"] = email.utils.make_msgid(domain="example.test")
    return m
m = message("body logo")
m.set_content("<html><body><p>Our logo:</p><img src=\"cid:logo@example.test\" width=\"128\" height=\"64\"><p>Regards</p></body></html>", subtype="html")
m.add_related(png(128, 64, (230, 20, 20)), maintype="image", subtype="png", cid="<logo@example.test>", disposition="inline")
open(box + "/1.eml", "w").write(m.as_string())
u = "http://127.0.0.1:%s" % port
m = message("body remote")
m.set_content(f"""<html><head><meta http-equiv="refresh" content="0;url={u}/refresh"><link rel="stylesheet" href="{u}/link.css">
<style>@import url({u}/import.css); body {{ background: url({u}/style-bg.png) }}</style></head>
<body background="{u}/body-bg.png"><p>Remote pictures:</p><img src="{u}/x.png" width="128" height="64"><img srcset="{u}/srcset.png 1x">
<div style="background-image:url({u}/div-bg.png)">div</div><iframe src="{u}/frame.html"></iframe><img src="//127.0.0.1:{port}/proto.png"></body></html>""", subtype="html")
open(box + "/2.eml", "w").write(m.as_string())
PY
fakems_start ews "$F" --user 'EXAMPLE\print' --password 'ews pw' || exit 1

: > "$W/sources"; chmod 600 "$W/sources"
gw_start "MailSourceFile $W/sources" "SmtpServer localhost:1" "SmtpRetryDelay 1h" \
         "OfficeWorkers 1" "OfficeTmpDir $T/office" "OfficeTimeout 60s" || exit 1
gw user add alice --email alice@example.test >/dev/null
gw address verify alice@example.test >/dev/null
PW=$(printf 'ews pw\n' | gw secret encrypt)
printf '%s\n' "ews ews://localhost:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_stop; gw_restart || exit 1

# bodies: "NUMBER STATE FORMAT PAGES COLOUR ID" of alice's "message body" jobs, oldest first.
bodies() {
  fakems_jobs number format pages color_pages id | awk -F '\t' '$1 == "message body" {print $4, $2, $5, $6, $7, $8}' | sort -n
}
two_held() { [ "$(bodies | awk '$2 == "held"' | wc -l)" = 2 ]; }

check "both bodies are held" fakems_wait 180 two_held
bodies > "$W/bodies"
cat "$W/bodies"
read -r _ LSTATE LFORMAT LPAGES LCOLOUR LID < <(sed -n 1p "$W/bodies")
read -r _ RSTATE RFORMAT RPAGES RCOLOUR RID < <(sed -n 2p "$W/bodies")

# ---- 1. the cid: logo is drawn ------------------------------------------------------------------
check_eq "both went to the Office pool as HTML pages" "$(grep -c 'held: html converted to' "$GW_LOG")" 2
check_eq "logo: held" "$LSTATE" held
check_eq "logo: one page, in colour (the red logo)" "$LPAGES/$LCOLOUR" 1/1

# ---- 2. nothing remote is fetched --------------------------------------------------------------
check_eq "remote: held" "$RSTATE" held
check_eq "remote: black and white (no remote picture drawn)" "$RCOLOUR" 0
check_eq "remote: the HTTP server saw no request" "$(wc -l < "$W/http.log")" 0
curl -s -o /dev/null "http://127.0.0.1:$HPORT/control.png"
check_eq "remote: the counter counts (the test's own request)" "$(wc -l < "$W/http.log")" 1


# ---- 3. no Office pool: the text rendering, as before --------------------------------------------
gw_stop
peers_stop "$FAKE_PID"
F2=$W/fake2
mkdir -p "$F2/mailbox" && cp "$F"/ca.* "$F"/server.* "$F2/"
sed 's/^Message-ID: .*/Message-ID: <again@example.test>/' "$F/mailbox/1.eml" > "$F2/mailbox/1.eml"
fakems_start ews "$F2" --user 'EXAMPLE\print' --password 'ews pw' || exit 1
sed -i "s/^OfficeWorkers .*/OfficeWorkers 0/" "$GW_CONF"
printf '%s\n' "ews ews://localhost:$FAKE_PORT user=EXAMPLE\\print password=$PW cafile=$F/ca.crt authserv-id=mx.example.test poll=1" > "$W/sources"
gw_restart || exit 1
three_held() { [ "$(bodies | awk '$2 == "held"' | wc -l)" = 3 ]; }
check "no pool: the logo mail's body is held" fakems_wait 120 three_held
read -r _ _ _ TPAGES TCOLOUR _ < <(bodies | sed -n 3p)
check_eq "no pool: printed as its text rendering (HTML pages still 2, text 1; the log spans both runs)" "$(grep -c 'held: html converted to' "$GW_LOG")/$(grep -c 'held: text' "$GW_LOG")" 2/1
check_eq "no pool: one black-and-white page" "$TPAGES/$TCOLOUR" 1/0

gw_stop
gw_finish
