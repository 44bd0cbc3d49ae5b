#!/usr/bin/python3
#
# printgate-office-worker.py - one confined LibreOffice instance of the
# Office pool (docs/office.md).
#
# Started by printgate-office-sandbox (which has already confined this
# process: own user, no network, Landlock, seccomp, rlimits) with the
# instance directory as the working directory.  It starts its own
# soffice.bin with a private profile and a private UNO pipe, connects to
# it, and then converts documents one at a time on request:
#
#   daemon -> worker (stdin):   convert DOCDIR FORMAT
#   worker -> daemon (stdout):  ready                       (once, when soffice is up)
#                               ok                          (DOCDIR/out.pdf written)
#                               fail reason=CODE detail=TEXT
#
# DOCDIR is a plain name inside the instance directory holding "in.FORMAT";
# FORMAT is one of the keywords below (chosen by the daemon from the
# document's content, never from its name).  Every line the worker writes
# is one of its own sentences: never document text, never LibreOffice's
# messages.  stdin at end of file (the daemon went away or wants it gone)
# stops soffice and the worker.
#
# Settings come from the environment the sandbox passes:
#   PG_OFFICE_SOFFICE   path of soffice (the soffice.bin next to it is run)
#   PG_OFFICE_PIPE      UNO pipe name, unique per instance

import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import uno
from com.sun.star.beans import PropertyValue

#
# Import filter (by the daemon's format keyword) and the PDF export filter
# of the application that opens it.  An explicit import filter means the
# bytes go to exactly the parser the content sniffer chose, never to
# LibreOffice's own type detection (and its dozens of other filters).
#

FORMATS = {
    "docx": ("MS Word 2007 XML", "writer_pdf_Export"),
    "odt":  ("writer8", "writer_pdf_Export"),
    "rtf":  ("Rich Text Format", "writer_pdf_Export"),
    "doc":  ("MS Word 97", "writer_pdf_Export"),
    "xlsx": ("Calc MS Excel 2007 XML", "calc_pdf_Export"),
    "ods":  ("calc8", "calc_pdf_Export"),
    "xls":  ("MS Excel 97", "calc_pdf_Export"),
    "pptx": ("Impress MS PowerPoint 2007 XML", "impress_pdf_Export"),
    "odp":  ("impress8", "impress_pdf_Export"),
    "ppt":  ("MS PowerPoint 97", "impress_pdf_Export"),
    "odg":  ("draw8", "draw_pdf_Export"),
    "csv":  ("Text - txt - csv (StarCalc)", "calc_pdf_Export"),
    "html": ("HTML (StarWriter)", "writer_pdf_Export"),
}

CSV_HEAD = 64 * 1024            # bytes read to find the separator
CSV_MAX_COL_WIDTH = 8000        # 1/100 mm: a column wider than 8 cm wraps its text

#
# Templates are sniffed as the kind of document they make (an .ott is
# "odt", a .dotx "docx"); the worker reads which it is from the package
# itself (the ODF "mimetype" member, the OOXML main part's content type) and
# opens it with the template filter of that kind.
#

TEMPLATE_FILTERS = {
    "odt":  ("application/vnd.oasis.opendocument.text-template", "writer8_template"),
    "ods":  ("application/vnd.oasis.opendocument.spreadsheet-template", "calc8_template"),
    "odp":  ("application/vnd.oasis.opendocument.presentation-template", "impress8_template"),
    "odg":  ("application/vnd.oasis.opendocument.graphics-template", "draw8_template"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
             "MS Word 2007 XML Template"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
             "Calc MS Excel 2007 XML Template"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
             "Impress MS PowerPoint 2007 XML Template"),
}

START_TIMEOUT = 60          # seconds for soffice to accept the UNO connection
E_RESTART = 81              # soffice.bin asks to be started again (first start)

#
# The profile's registrymodifications.xcu, written before the first start.
# Each item is (path, property, type, value); docs/office.md explains them.
#

REGISTRY = [
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "int", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "boolean", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "boolean", "true"),
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "int", "0"),       # never
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "int", "1"),         # never
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "CrashReport", "boolean", "false"),
    ("/org.openoffice.Office.Common/Save/Document", "LoadPrinter", "boolean", "false"),
    ("/org.openoffice.Inet/Settings", "ooInetProxyType", "int", "0"),
    ("/org.openoffice.Setup/Office", "ooSetupInstCompleted", "boolean", "true"),
]

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def say(line):
    """Write one protocol line to the daemon."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fail(reason, detail):
    say("fail reason=%s detail=%s" % (reason, detail))


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def write_registry(profile):
    """Create the profile's user/registrymodifications.xcu."""
    user = os.path.join(profile, "user")
    os.makedirs(user, mode=0o700, exist_ok=True)
    items = "".join(
        '<item oor:path="%s"><prop oor:name="%s" oor:op="fuse"><value>%s</value></prop></item>\n'
        % (path, name, value) for (path, name, _type, value) in REGISTRY)
    with open(os.path.join(user, "registrymodifications.xcu"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
                'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
                + items + '</oor:items>\n')


ODF_FORMATS = ("odt", "ods", "odp", "odg")
MANIFEST_MAX = 1024 * 1024


def import_filter(path, fmt):
    """The import filter for DOCPATH: the template filter of FMT when the
    package says it is a template (ODF mimetype member, or the OOXML main
    part's content type in [Content_Types].xml, read at most MANIFEST_MAX
    bytes), else FORMATS[fmt][0]."""
    if fmt not in TEMPLATE_FILTERS:
        return FORMATS[fmt][0]
    mime, template = TEMPLATE_FILTERS[fmt]
    try:
        with zipfile.ZipFile(path) as z:
            if fmt in ODF_FORMATS:
                with z.open("mimetype") as f:
                    is_template = f.read(128).strip() == mime.encode()
            else:
                with z.open("[Content_Types].xml") as f:
                    is_template = ('ContentType="%s"' % mime).encode() in f.read(MANIFEST_MAX)
    except Exception:
        is_template = False
    return template if is_template else FORMATS[fmt][0]


def odf_encrypted(path):
    """Is this ODF package encrypted (a password is needed to open it)?

    LibreOffice without an interaction handler just fails to load it, which
    would read as a damaged document; the manifest says so plainly."""
    try:
        with zipfile.ZipFile(path) as z:
            with z.open("META-INF/manifest.xml") as f:
                return b"encryption-data" in f.read(MANIFEST_MAX)
    except Exception:
        return False


def csv_options(path):
    """The CSV import options: the separator the first line has most of
    (comma, semicolon or tab, as the daemon's sniffer chose it), '"' quotes,
    UTF-8 (the sniffer took US-ASCII or UTF-8 only), from line 1."""
    with open(path, "rb") as f:
        first = f.read(CSV_HEAD).split(b"\n", 1)[0]
    sep = max((first.count(b","), 44), (first.count(b";"), 59), (first.count(b"\t"), 9))[1]
    return "%d,34,76,1" % sep


def csv_page_setup(doc):
    """A sane page for a table: columns at their optimal width (at most
    8 cm, wrapped beyond), landscape when they are wider than a portrait
    page, scaled to one page wide (as many tall as it takes), grid lines,
    and the first row repeated on every page."""
    from com.sun.star.table import CellRangeAddress
    sheet = doc.Sheets.getByIndex(0)
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    ncols = cursor.RangeAddress.EndColumn + 1
    width = 0
    for i in range(ncols):
        col = sheet.Columns.getByIndex(i)
        col.OptimalWidth = True
        if col.Width > CSV_MAX_COL_WIDTH:
            col.Width = CSV_MAX_COL_WIDTH
            col.IsTextWrapped = True
        width += col.Width
    ps = doc.StyleFamilies.getByName("PageStyles").getByName(sheet.PageStyle)
    portrait = min(ps.Width, ps.Height) - ps.LeftMargin - ps.RightMargin
    if width > portrait and ps.Width < ps.Height:
        w, h = ps.Width, ps.Height
        ps.IsLandscape = True
        ps.Width, ps.Height = h, w
    ps.ScaleToPagesX = 1
    ps.ScaleToPagesY = 0
    ps.PrintGrid = True
    title = CellRangeAddress()
    title.Sheet, title.StartColumn, title.EndColumn, title.StartRow, title.EndRow = 0, 0, max(ncols - 1, 0), 0, 0
    sheet.setTitleRows(title)
    sheet.setPrintTitleRows(True)


def set_pdeathsig():
    """In the soffice child: die with the worker (prctl PR_SET_PDEATHSIG)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class Office:
    """One soffice.bin and its UNO connection."""

    def __init__(self, soffice, pipe, home):
        self.soffice_bin = os.path.join(os.path.dirname(soffice), "soffice.bin")
        self.pipe = pipe
        self.home = home
        self.proc = None
        self.desktop = None

    def start(self):
        profile = os.path.join(self.home, "profile")
        write_registry(profile)
        args = [self.soffice_bin, "--headless", "--invisible", "--norestore", "--nologo",
                "--nodefault", "--nolockcheck", "--nofirststartwizard",
                "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe]
        deadline = time.monotonic() + START_TIMEOUT
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe

        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                if self.proc is not None and self.proc.returncode != E_RESTART:
                    return "soffice exited with status %d while starting" % self.proc.returncode
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             close_fds=True, preexec_fn=set_pdeathsig)
            try:
                ctx = resolver.resolve(url)
                self.desktop = ctx.ServiceManager.createInstanceWithContext(
                    "com.sun.star.frame.Desktop", ctx)
                return None
            except Exception:
                time.sleep(0.1)
        return "soffice did not accept its UNO connection within %d seconds" % START_TIMEOUT

    def convert(self, docdir, fmt):
        """Convert DOCDIR/in.FMT to DOCDIR/out.pdf; return None or (reason, detail)."""
        export_filter = FORMATS[fmt][1]
        if fmt in ODF_FORMATS and odf_encrypted(os.path.join(docdir, "in." + fmt)):
            return ("password-protected",
                    "it is protected with a password; save it without the password and send it again")
        src = uno.systemPathToFileUrl(os.path.abspath(os.path.join(docdir, "in." + fmt)))
        dst = uno.systemPathToFileUrl(os.path.abspath(os.path.join(docdir, "out.pdf")))
        load = (prop("Hidden", True), prop("ReadOnly", True), prop("Silent", True),
                prop("FilterName", import_filter(os.path.join(docdir, "in." + fmt), fmt)),
                prop("MacroExecutionMode", 0),      # css.document.MacroExecMode.NEVER_EXECUTE
                prop("UpdateDocMode", 0))           # css.document.UpdateDocMode.NO_UPDATE
        if fmt == "csv":
            load += (prop("FilterOptions", csv_options(os.path.join(docdir, "in." + fmt))),)
        try:
            doc = self.desktop.loadComponentFromURL(src, "_blank", 0, load)
        except Exception as e:
            if is_disconnect(e) or not self.alive():
                raise
            doc = None
        if doc is None:
            return ("corrupt-document",
                    "LibreOffice could not open it as a %s document (it is damaged or not really %s)"
                    % (fmt, fmt))
        try:
            if fmt == "csv":
                csv_page_setup(doc)
            doc.storeToURL(dst, (prop("FilterName", export_filter),))
        except Exception as e:
            if is_disconnect(e) or not self.alive():
                raise
            return ("conversion-failed", "LibreOffice opened the %s document but could not make a PDF of it" % fmt)
        finally:
            try:
                doc.close(True)
            except Exception as e:
                if is_disconnect(e):
                    raise
        return None

    def alive(self):
        """Is soffice.bin still running (give a dying one half a second)?"""
        try:
            self.proc.wait(timeout=0.5)
            return False
        except subprocess.TimeoutExpired:
            return True

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.desktop.terminate()
            except Exception:
                pass
            try:
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait()


def is_disconnect(e):
    """True when the UNO bridge to soffice is gone (soffice died)."""
    name = type(e).__name__
    return name in ("DisposedException", "RuntimeException") and \
        ("Binary URP bridge" in str(e) or "disposed" in str(e).lower() or name == "DisposedException")


def main():
    soffice = os.environ.get("PG_OFFICE_SOFFICE", "")
    pipe = os.environ.get("PG_OFFICE_PIPE", "")
    if not soffice.startswith("/") or not NAME_RE.match(pipe):
        fail("internal-error", "PG_OFFICE_SOFFICE or PG_OFFICE_PIPE is not set correctly")
        return 2

    office = Office(soffice, pipe, os.getcwd())
    error = office.start()
    if error:
        fail("internal-error", error)
        office.stop()
        return 2
    say("ready")

    for line in sys.stdin:
        words = line.split()
        if len(words) != 3 or words[0] != "convert" or not NAME_RE.match(words[1]) \
                or words[2] not in FORMATS:
            fail("internal-error", "the worker got a request it does not understand")
            continue
        try:
            result = office.convert(words[1], words[2])
        except Exception:
            # soffice went away mid-document: this document fails, the daemon restarts us.
            fail("conversion-failed", "LibreOffice stopped while converting this document")
            office.stop()
            return 1
        if result is None:
            say("ok")
        else:
            fail(*result)

    office.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
