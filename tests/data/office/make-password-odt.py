#!/usr/bin/python3
#
# make-password-odt.py - write sample-password.odt: sample.odt saved with the
# password "secret" (ODF encryption), for the password-protected case of
# tests/unit/test-office.c.  Run once from this folder; the output is committed.

import os
import subprocess
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp()
args = ["/usr/lib/libreoffice/program/soffice.bin", "--headless", "--norestore",
        "-env:UserInstallation=" + uno.systemPathToFileUrl(work), "--accept=pipe,name=pgpw%d;urp;" % os.getpid()]
proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
ctx = None
for _ in range(600):
    if proc.poll() is not None:          # first start of a fresh profile exits 81: start again
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = resolver.resolve("uno:pipe,name=pgpw%d;urp;StarOffice.ComponentContext" % os.getpid())
        break
    except Exception:
        time.sleep(0.1)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.join(here, "sample.odt")), "_blank", 0,
                                   (prop("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(os.path.join(here, "sample-password.odt")),
               (prop("FilterName", "writer8"), prop("Password", "secret")))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait()
subprocess.run(["rm", "-rf", work])
