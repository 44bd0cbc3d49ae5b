#!/usr/bin/env bash
# make-corpus.sh - regenerate the Office test corpus (tests/unit/test-office.c,
# tests/bench/office-bench.sh) from the flat-XML and CSV sources in this folder
# with LibreOffice's own converters:
#
#   writer.fodt  (text + an embedded PNG)  -> sample.docx sample.odt sample.rtf sample.doc
#   calc.csv                               -> sample.xlsx sample.ods sample.xls
#   impress.fodp                           -> sample.pptx sample.odp sample.ppt
#   sample.odt, .ods, .odp                 -> sample.dotx sample.xltx sample.potx (OOXML templates)
#   drawing.fodg (two pages)               -> sample.odg
#
# The outputs are committed (a few KB each); run this only to change them.
# It needs soffice (libreoffice-*-nogui) and python3.  A throw-away profile
# in a temporary directory is used, never ~/.config.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The embedded image: a 64x48 PNG with a red, green and blue band.
/usr/bin/python3 - "$work/image.b64" <<'PY'
import base64, struct, sys, zlib
w, h = 64, 48
rows = b""
for y in range(h):
    c = (255, 0, 0) if y < 16 else (0, 160, 0) if y < 32 else (0, 0, 255)
    rows += b"\0" + bytes(c) * w
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
      + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "w").write(base64.b64encode(png).decode())
PY
sed "s|@IMAGE@|$(cat "$work/image.b64")|" "$here/writer.fodt.in" > "$work/sample.fodt"
cp "$here/calc.csv" "$work/sample.csv"
cp "$here/impress.fodp" "$work/sample.fodp"

so() { soffice -env:UserInstallation="file://$work/profile" --headless --norestore "$@" >/dev/null 2>&1; }
cd "$work"
so --convert-to 'docx:MS Word 2007 XML' sample.fodt
so --convert-to odt sample.fodt
so --convert-to 'rtf:Rich Text Format' sample.fodt
so --convert-to 'doc:MS Word 97' sample.fodt
so --infilter='Text - txt - csv (StarCalc):44,34,76' --convert-to 'xlsx:Calc MS Excel 2007 XML' sample.csv
so --infilter='Text - txt - csv (StarCalc):44,34,76' --convert-to ods sample.csv
so --infilter='Text - txt - csv (StarCalc):44,34,76' --convert-to 'xls:MS Excel 97' sample.csv
so --convert-to 'pptx:Impress MS PowerPoint 2007 XML' sample.fodp
so --convert-to odp sample.fodp
so --convert-to 'ppt:MS PowerPoint 97' sample.fodp
so --convert-to 'dotx:MS Word 2007 XML Template' sample.odt
so --convert-to 'xltx:Calc MS Excel 2007 XML Template' sample.ods
so --convert-to 'potx:Impress MS PowerPoint 2007 XML Template' sample.odp
cp "$here/drawing.fodg" sample.fodg
so --convert-to odg sample.fodg
for f in docx odt rtf doc xlsx ods xls pptx odp ppt dotx xltx potx odg; do
  cp "sample.$f" "$here/sample.$f"
done
ls -l "$here"/sample.*
