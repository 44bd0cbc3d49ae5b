#!/usr/bin/env python3
"""portal-test.py - the web portal as a person uses it, in headless Chromium
(run by tests/integration/web-browser.sh, which starts the gateway, the
printer, the mail rig and the test CA, and passes their places here).

What it does and checks, at a phone's width (390x844) unless said:
  0. TLS: a browser without the test CA gets no page from the gateway
     (positive control for the trust set-up: no certificate errors are ignored).
  1. /signin answers with a Content-Security-Policy header (read with
     fetch() from the page) and has no inline <script>, style attribute or
     on* handler; the code is asked for, read from alice's Maildir (the mail
     rig delivered it), typed in: /jobs, "My jobs".
  2. Two files chosen at once in the page's <input type=file>: each
     progress row says "held, N page(s)"; after a reload both are in the
     list as held with 2 and 1 pages.
  3. The two-page one is released to the printer from its row: "Printing",
     and the ippeveprinter got a document; the other is cancelled: it is
     no longer in the list.
  4. A file named "<script>alert(1)<script>.pdf" is uploaded: its name shows
     as text in the progress row and in the list, no script element or alert
     came of it.
  5. /p/PRINTER shows the printer's name and location and "1 job waiting";
     "Print all here" prints it (the printer gets another document) and the
     page then says 0 jobs.
  6. /setup shows the steps for this platform; a device is named and made:
     its ipps:// token URL, its password and a QR code are shown; /setup
     afterwards lists the device and shows neither again.
  7. Sign out: /jobs then asks to sign in again.
  8. With JavaScript off (a second browser, content setting javascript=2):
     the sign-in by code works through the plain forms; /jobs shows its
     upload form (its own file field), which takes two files at once; both are then
     held with 2 and 1 pages.
Every page is shot at phone and desktop widths into --out (paths printed).
Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import email
import email.policy
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webdriver  # noqa: E402

PHONE = (390, 844)
DESKTOP = (1280, 800)


class Run:
    """The checks' bookkeeping and the screenshots."""

    def __init__(self, out):
        self.out = out
        self.passed = 0
        self.failed = 0
        self.shots = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("PASS %s" % name)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + str(detail) if detail else ""))
        sys.stdout.flush()
        return ok

    def step(self, name, fn, b=None):
        """Run FN (which raises on failure); a FAIL line with the reason, the
        page's address and a screenshot of it if it does."""
        try:
            fn()
            return True
        except Exception as e:  # noqa: BLE001 - any failure of a step is reported, and the next step runs
            self.check(name, False, "%s: %s" % (type(e).__name__, e))
            traceback.print_exc(limit=3, file=sys.stdout)
            if b:
                try:
                    path = b.screenshot(os.path.join(self.out, "failed-%s.png" % re.sub(r"[^A-Za-z0-9]+", "-", name)))
                    print("    the page was %s: %s" % (b.url, path))
                    print("    it said: %s" % " / ".join(b.find("main").text.split("\n"))[:300])
                except Exception as e2:  # noqa: BLE001 - the browser itself may be gone
                    print("    (no screenshot of the failure: %s)" % e2)
            return False

    def shoot(self, b, name, restore=PHONE):
        """The page at phone and desktop widths, then back to RESTORE."""
        self.shots += 1
        for label, (w, h) in (("phone", PHONE), ("desktop", DESKTOP)):
            b.viewport(w, h, mobile=(label == "phone"))
            path = os.path.join(self.out, "%02d-%s-%s.png" % (self.shots, name, label))
            b.screenshot(path)
            print("    screenshot %s" % path)
        b.viewport(restore[0], restore[1], mobile=(restore == PHONE))


def maildir_messages(maildir, address):
    """The messages to ADDRESS in MAILDIR, oldest first, as (path, text body)."""
    found = []
    for path in glob.glob(os.path.join(maildir, "new", "*")) + glob.glob(os.path.join(maildir, "cur", "*")):
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if address in str(m.get("To", "")):
            part = m.get_body(preferencelist=("plain",)) or m
            found.append((os.stat(path).st_mtime, path, part.get_content()))
    return [(p, t) for _, p, t in sorted(found)]


def wait_code(maildir, address, before, timeout=30):
    """The sign-in code of the first message to ADDRESS after the BEFORE already there."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        msgs = maildir_messages(maildir, address)
        if len(msgs) > before:
            m = re.search(r"code is (\d{6})", msgs[-1][1])
            if m:
                return m.group(1)
        time.sleep(0.2)
    raise AssertionError("no sign-in code reached %s in %d s" % (address, timeout))


def printer_docs(folder):
    """The documents ippeveprinter -k kept: JOBID-JOBNAME.pdf (and a .prn of each from its command)."""
    return sorted(f for f in os.listdir(folder) if f.endswith(".pdf"))


def wait_printed(run, b, args, before, stem, pages, name):
    """One new document at the printer, its job name starting with STEM, with PAGES pages."""
    try:
        new = b.wait("a document at the printer", lambda: [f for f in printer_docs(args.printer_dir) if f not in before], timeout=30)
    except AssertionError as e:
        return run.check(name, False, e)
    info = subprocess.run(["pdfinfo", os.path.join(args.printer_dir, new[0])], capture_output=True, text=True).stdout
    return run.check(name, len(new) == 1 and new[0].split("-", 1)[1].startswith(stem) and
                     re.search(r"^Pages: +%d$" % pages, info, re.M) is not None, (new, info[-200:]))


def headers_of(b, path):
    """The response headers of GET PATH, as the page's own fetch() sees them."""
    return b.js_async("var done = arguments[arguments.length - 1];"
                      "fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) {"
                      "  var h = {}; r.headers.forEach(function (v, k) { h[k] = v; }); done(h); },"
                      "  function (e) { done({error: String(e)}); });", path)


def job_rows(b):
    """The job list of /jobs: {name: (element, state, pages)}."""
    rows = {}
    for li in b.find_all("#jobs li.job"):
        rows[li.find(".job-name").text] = (li, li.find(".job-state").text, li.find(".job-pages").text)
    return rows


def gone(b, what, element, timeout=30):
    """Wait until ELEMENT is no longer in the document: the page a click
    loads has replaced it (Selenium's staleness_of)."""
    def stale():
        try:
            element.text
            return False
        except webdriver.WebDriverError:
            return True
    b.wait(what, stale, timeout=timeout)


def sign_in(run, b, args, tag, shoot=True):
    """Sign in by a mailed code through the pages; lands on /jobs."""
    before = len(maildir_messages(args.maildir, args.address))
    b.get(args.base + "/signin")
    b.find("#address").send_keys(args.address)
    b.find("#signin-code button[type=submit]").click()
    b.wait("the code page", lambda: b.exists("#signin-verify"), timeout=10)
    run.check("%s: the code page names the address" % tag, args.address in b.find("main").text)
    if shoot:
        run.shoot(b, tag + "-code")
    code = wait_code(args.maildir, args.address, before)
    run.check("%s: the code arrived in the mailbox" % tag, re.fullmatch(r"\d{6}", code) is not None)
    b.find("#code").send_keys(code)
    b.find("#signin-verify button[type=submit]").click()
    b.wait("/jobs after the code", lambda: b.url.endswith("/jobs"), timeout=10)
    run.check("%s: signed in, on My jobs" % tag, b.find("h1").text == "My jobs", b.find("h1").text)


def test_tls(run, args):
    """0: a browser that does not trust the test CA gets no page."""
    env = dict(os.environ, HOME=args.noca_home)
    drv = webdriver.ChromeDriver(env=env, log=os.path.join(args.work, "chromedriver-noca.log"))
    try:
        b = drv.session(os.path.join(args.work, "profile-noca"))
        try:
            b.get(args.base + "/signin")
        except webdriver.WebDriverError as e:   # chromedriver may report the error page as an error
            print("    (navigation: %s)" % e)
        run.check("TLS: without the test CA the sign-in page is not shown", not b.exists("#signin-code"), b.title)
        run.check("  the browser shows its certificate error", "ERR_CERT" in b.source or "Privacy" in b.title, b.title)
        b.quit()
    finally:
        drv.stop()


def test_signin(run, b, args):
    """1: headers, no inline script, sign-in by code."""
    b.get(args.base + "/signin")
    run.check("the sign-in page is served over trusted TLS", b.exists("#signin-code"), b.title)
    h = headers_of(b, "/signin")
    csp = h.get("content-security-policy", "")
    run.check("CSP header on the page", "script-src 'self'" in csp and "default-src 'none'" in csp, csp or h)
    run.check("  no unsafe-inline in it", "unsafe-inline" not in csp, csp)
    run.check("no inline <script> on /signin", b.js("return document.querySelectorAll('script:not([src])').length;") == 0)
    run.check("no style attribute or on* handler on /signin",
              b.js("return Array.prototype.filter.call(document.querySelectorAll('*'), function (e) {"
                   " return e.hasAttribute('style') || Array.prototype.some.call(e.attributes, function (a) {"
                   " return a.name.indexOf('on') === 0; }); }).length;") == 0)
    run.check("the address field has a label", b.exists("label[for=address]"))
    run.shoot(b, "signin")
    sign_in(run, b, args, "signin")
    run.check("no inline <script> on /jobs", b.js("return document.querySelectorAll('script:not([src])').length;") == 0)
    run.shoot(b, "jobs-empty")


def test_upload(run, b, args):
    """2 and 3: two files at once, held with page counts; release one, cancel the other."""
    names = [os.path.basename(f) for f in args.files]
    b.find("#files").send_keys("\n".join(args.files))
    rows = b.wait("two progress rows saying held",
                  lambda: (lambda t: t if len(t) == 2 and all("held" in x for x in t) else None)(
                      [li.text for li in b.find_all("#progress li")]), timeout=60)
    run.check("progress: two-pages.pdf held with 2 pages", any(names[0] in r and "held, 2 pages" in r for r in rows), rows)
    run.check("progress: one-page.pdf held with 1 page", any(names[1] in r and "held, 1 page" in r for r in rows), rows)
    run.shoot(b, "jobs-uploaded")
    b.get(args.base + "/jobs")
    jobs = job_rows(b)
    run.check("the list has both, held, 2 and 1 pages",
              [jobs.get(n, (None, "", ""))[1:] for n in names] == [("held", "2"), ("held", "1")], {k: v[1:] for k, v in jobs.items()})
    run.shoot(b, "jobs-held")

    n0 = printer_docs(args.printer_dir)
    li = jobs[names[0]][0]
    li.find("select").send_keys(args.printer)
    li.find(".release-button").click()
    b.wait("the release answer", lambda: b.exists("#message"))
    run.check("release from the row: Printing", b.find("h1").text == "Printing", b.find("main").text)
    run.shoot(b, "released")
    wait_printed(run, b, args, n0, "two-pages", 2, "the printer got the released document, 2 pages")
    n1 = printer_docs(args.printer_dir)

    b.get(args.base + "/jobs")
    row = job_rows(b)[names[1]][0]
    row.find(".cancel-button").click()
    gone(b, "the page after Cancel", row)
    b.wait("the new page loaded", lambda: b.js("return document.readyState") == "complete")
    after = job_rows(b)
    run.check("the cancelled job is no longer held", after.get(names[1], (None, "gone"))[1] != "held", after.keys())
    run.check("the released job is no longer held", after.get(names[0], (None, "gone"))[1] != "held", after.keys())
    time.sleep(2)
    run.check("nothing more reached the printer by the cancel", printer_docs(args.printer_dir) == n1, (n1, printer_docs(args.printer_dir)))
    run.shoot(b, "jobs-after")


def test_options(run, b, args):
    """Print options on the upload form go with the script's upload; a held job's options change on its row."""
    b.get(args.base + "/jobs")
    run.check("with the script, the form's own file field is hidden", not b.find("#form-pick").displayed())
    run.check("the options have labels", all(b.exists("label[for=%s]" % i) for i in ("copies", "sides", "color-mode", "page-ranges", "number-up")))
    b.find("#copies").clear()
    b.find("#copies").send_keys("2")
    b.find("#number-up").send_keys("2")
    b.find("#page-ranges").send_keys("1")
    name = os.path.basename(args.files[0])
    b.find("#files").send_keys(args.files[0])
    b.wait("the progress row saying held",
           lambda: next((li.text for li in b.find_all("#progress li") if "held" in li.text), None), timeout=60)

    def held_row(copies):
        b.get(args.base + "/jobs")
        return next((li for li in b.find_all("#jobs li.job") if li.find(".job-name").text == name and
                     li.find(".job-state").text == "held" and li.find(".job-options").text.startswith(copies)), None)

    li = held_row("2 copies")
    opts = li.find(".job-options").text if li else ""
    run.check("the held job has the options chosen (2 copies, page 1, 2 per side)", "pages 1" in opts and "2 per side" in opts, opts)
    run.shoot(b, "jobs-options")
    if li:
        li.find("details.change summary").click()
        copies = li.find("input[name=copies]")
        copies.clear()
        copies.send_keys("3")
        run.shoot(b, "jobs-options-open")
        li.find(".options-button").click()
        gone(b, "the page after Save options", li)   # held_row() loads /jobs: not before the POST's answer
        b.wait("the new page loaded", lambda: b.js("return document.readyState") == "complete")
        li = held_row("3 copies")
        run.check("Save options: the job now has 3 copies, the rest kept", li is not None and "pages 1" in li.find(".job-options").text,
                  li.find(".job-options").text if li else None)
        if li:
            li.find(".cancel-button").click()
            gone(b, "the page after Cancel", li)


def test_script_name(run, b, args):
    """4: a file name with <script> is text."""
    name = os.path.basename(args.script_file)
    b.get(args.base + "/jobs")
    b.find("#files").send_keys(args.script_file)
    row = b.wait("the progress row saying held",
                 lambda: next((li.text for li in b.find_all("#progress li") if "held" in li.text), None), timeout=60)
    run.check("the <script> name shows as text in the progress row", row.startswith(name + ": held"), row)
    b.get(args.base + "/jobs")
    jobs = job_rows(b)
    run.check("the <script> name shows as text in the list", name in jobs, list(jobs))
    run.check("  the page has only its own script element", b.js("return document.querySelectorAll('script').length;") == 1)
    run.check("  no alert came of it", b.alert_text() is None)
    run.shoot(b, "jobs-script-name")


def test_printer_page(run, b, args):
    """5: /p/PRINTER and release there."""
    b.get(args.base + "/p/" + args.printer)
    run.check("/p: the printer's name is the title", b.find("h1").text == args.printer, b.find("h1").text)
    run.check("/p: its location", b.find("#location").text == args.printer_location, b.find("#location").text)
    run.check("/p: 1 job waiting", b.find("#held").text == "You have 1 job waiting.", b.find("#held").text)
    run.shoot(b, "printer")
    n0 = printer_docs(args.printer_dir)
    b.find("#release-here button").click()
    b.wait("the release answer", lambda: b.exists("#message"))
    run.check("/p: Print all here says Printing", b.find("h1").text == "Printing", b.find("main").text)
    run.shoot(b, "printer-released")
    wait_printed(run, b, args, n0, "_script_", 1, "/p: the printer got it, 1 page")
    b.get(args.base + "/p/" + args.printer)
    run.check("/p: then 0 jobs waiting", b.find("#held").text == "You have 0 jobs waiting.", b.find("#held").text)
    run.check("/p: and no release button", not b.exists("#release-here"))


def test_setup(run, b, args):
    """6: a device on /setup, shown once."""
    b.get(args.base + "/setup")
    run.check("/setup: the steps for this platform", b.exists("#platform[data-platform]"),
              b.find("main").text[:200])
    run.shoot(b, "setup")
    field = b.find("#device-name")
    field.clear()
    field.send_keys("browser-phone")
    b.find("#device-new button[type=submit]").click()
    b.wait("the device page", lambda: b.exists("#device-url"))
    url = b.find("#device-url").prop("value")
    password = b.find("#device-password").prop("value")
    run.check("/setup: the token URL is shown", re.fullmatch(r"ipps://[^/]+/ipp/print/[A-Za-z0-9_-]{20,}", url) is not None, url)
    run.check("/setup: the device password is shown", len(password) >= 12, password)
    run.check("/setup: with a QR code that loaded", b.js("var q = document.getElementById('device-qr');"
                                                         " return !!q && q.complete && q.naturalWidth > 0;"))
    run.check("/setup: the copy button is shown (JavaScript on)", b.find("button.copy").displayed())
    run.shoot(b, "setup-device")
    b.get(args.base + "/setup")
    run.check("/setup: the device is listed", "browser-phone" in [d.text for d in b.find_all(".device-name")])
    src = b.source
    token = url.rsplit("/", 1)[-1]
    run.check("/setup: the token and password are not shown again", token not in src and password not in src)
    run.shoot(b, "setup-listed")
    b.get(args.base + "/setup?platform=android")
    run.check("/setup?platform=android: the Android steps", b.find("#platform").attr("data-platform") == "android")
    run.shoot(b, "setup-android")


def test_signout(run, b, args):
    """7: sign out."""
    b.get(args.base + "/jobs")
    b.find("#signout").click()
    b.wait("the sign-in page", lambda: b.exists("#signin-code"))
    b.get(args.base + "/jobs")
    run.check("after sign-out /jobs asks to sign in", b.exists("#signin-code") and "/jobs" not in b.url.split("?")[0][-5:], b.url)


def test_nojs(run, b, args):
    """8: sign-in by code with JavaScript off."""
    b.viewport(*PHONE, mobile=True)
    sign_in(run, b, args, "nojs", shoot=False)
    run.check("nojs: /jobs shows its upload form with its own file field", b.find("#form-files").displayed())
    run.shoot(b, "nojs-jobs")
    names = ["form-two.pdf", "form-one.pdf"]
    for src, name in zip(args.files, names):
        shutil.copyfile(src, os.path.join(args.work, name))
    b.find("#form-files").send_keys("\n".join(os.path.join(args.work, n) for n in names))
    b.find("#upload-form button[type=submit]").click()
    b.wait("the upload's answer", lambda: b.exists("#received"), timeout=30)
    got = [li.text for li in b.find_all("#received li")]
    run.check("nojs: the form upload received both files", got == [n + ": converting" for n in names], got)
    run.shoot(b, "nojs-received")

    def held():
        b.get(args.base + "/jobs")
        rows = job_rows(b)
        return [rows.get(n, (None, "", ""))[1:] for n in names] == [("held", "2"), ("held", "1")]
    run.check("nojs: both are then held in the list with 2 and 1 pages", b.wait("both held", held, timeout=60, interval=1))
    run.shoot(b, "nojs-held")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for a in ("base", "out", "work", "maildir", "address", "printer", "printer-location", "printer-dir", "noca-home", "script-file"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--files", nargs=2, required=True)
    args = ap.parse_args()
    # A TERM (the test's clean-up, a ctest timeout) unwinds, so chromedriver and Chromium are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    run = Run(args.out)
    run.step("TLS trust", lambda: test_tls(run, args))
    drv = webdriver.ChromeDriver(log=os.path.join(args.work, "chromedriver.log"))
    try:
        b = drv.session(os.path.join(args.work, "profile"))
        b.viewport(*PHONE, mobile=True)
        if run.step("sign-in", b=b, fn=lambda: test_signin(run, b, args)):
            run.step("upload, release, cancel", b=b, fn=lambda: test_upload(run, b, args))
            run.step("print options", b=b, fn=lambda: test_options(run, b, args))
            run.step("a <script> file name", b=b, fn=lambda: test_script_name(run, b, args))
            run.step("/p/PRINTER", b=b, fn=lambda: test_printer_page(run, b, args))
            run.step("/setup", b=b, fn=lambda: test_setup(run, b, args))
            run.step("sign out", b=b, fn=lambda: test_signout(run, b, args))
        b.quit()
        nojs = drv.session(os.path.join(args.work, "profile-nojs"), javascript=False)
        run.step("JavaScript off", b=nojs, fn=lambda: test_nojs(run, nojs, args))
    finally:
        drv.stop()
    print("browser: %d screenshots in %s" % (2 * run.shots, args.out))
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed or run.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
