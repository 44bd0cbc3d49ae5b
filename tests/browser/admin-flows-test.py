#!/usr/bin/env python3
"""admin-flows-test.py - the admin console's end-to-end flows of issue 14 in
headless Chromium (run by tests/integration/web-browser.sh after
admin-test.py, against the same gateway, printer and mail rig).

What it does and checks:
  1. A second admin signs in (password, enrolment, TOTP code).
  2. Printers: a printer is added on /admin/printers by the ippeveprinter's
     URI (the capability check passes), its row shows it reachable, its
     test page is printed from the row (a new one-page PDF at the printer),
     its own page shows the state, and its location is edited there.
  3. Rules: the rule "guests: mono only, 10 pages a day" is written on
     /admin/rules (role=guest => mono quota-pages=10/day) and listed.
  4. The guest signs in on the portal (mailed code), uploads a 10-page
     colour PDF: it is held in black and white (the job's options:
     color_mode monochrome, as the API reports them), released from /jobs
     through the portal: it prints (exactly the quota, 10 pages arrive);
     then a one-page document, released the same way: "Not printed", the
     quota's sentence, and it stays held (the 11th page is refused).
  5. The audit log is exported from /admin/audit: the CSV download
     arrives in the browser's download folder and has the header and the
     rows of the printer's add and the guest's releases.
  6. The guest is erased on the console (their name typed to confirm): the
     answer names erased-<id>; the usage report by user keeps their 10
     pages under that pseudonym and no row names the guest.
  7. Every console page is shot at phone and desktop widths into --out,
     and no page repeats an element id.
Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import csv
import glob
import importlib.util
import io
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webdriver  # noqa: E402


def load(name, file):
    """A sibling test script as a module (its functions are reused)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(os.path.abspath(__file__)), file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


portal = load("portal_test", "portal-test.py")
admin = load("admin_test", "admin-test.py")

PAGES = ("", "users", "addresses", "jobs", "audit", "reports", "health", "settings", "printers", "terminals", "rules")


def duplicate_ids(b):
    """The element ids used more than once on the page."""
    return b.js("var seen = {}, dup = [];"
                "document.querySelectorAll('[id]').forEach(function (e) { if (seen[e.id] && dup.indexOf(e.id) < 0) dup.push(e.id); seen[e.id] = 1; });"
                "return dup;")


def loaded(b, what, cond, timeout=60):
    """Wait for COND after a click that loads a page (a stale element is retried)."""
    def ok():
        try:
            return cond()
        except webdriver.WebDriverError:
            return False
    return b.wait(what, ok, timeout=timeout)


def test_printer(run, b, args):
    """2: add the printer, its state, its test page, its location."""
    b.get(args.base + "/admin/printers")
    b.find("#new-name").send_keys("flows")
    b.find("#new-uri").send_keys(args.printer_uri)
    b.find("#new-location").send_keys("Browser floor")
    b.find("#printer-new button[type=submit]").click()
    loaded(b, "the printer in the list", lambda: b.exists('tr[data-printer="flows"]'), timeout=60)
    run.check("printer added by URI after the check: listed", b.exists('tr[data-printer="flows"]'), b.url)
    reach = b.find('tr[data-printer="flows"] .printer-reachable').attr("data-reachable")
    run.check("  its row says reachable (the add's check)", reach == "yes", reach)
    run.shoot(b, "admin-printers-added")
    before = portal.printer_docs(args.printer_dir)
    b.find('tr[data-printer="flows"] .test-page-button').click()
    loaded(b, "the test page's answer", lambda: b.exists("#test-page-result"), timeout=90)
    run.check("test page: the console says it was sent", "ok" in b.find("#test-page-result").attr("class"), b.find("#test-page-result").text)
    run.shoot(b, "admin-printer-test-page")
    try:
        new = b.wait("the test page at the printer", lambda: [f for f in portal.printer_docs(args.printer_dir) if f not in before], timeout=30)
    except AssertionError:
        new = []
    run.check("  a new document arrived at the printer", len(new) == 1, new)
    b.get(args.base + "/admin/printers/flows")
    run.check("the printer's page shows its state: 1 released today",
              b.exists("#printer-state") and b.find("#printer-state .printer-today").attr("data-today") == "1", b.find("main").text[:300])
    b.find("#edit-location").clear()
    b.find("#edit-location").send_keys("Browser floor 2")
    b.find("#printer-edit button[type=submit]").click()
    loaded(b, "the edited printer's page", lambda: b.find("#printer-location").text == "Browser floor 2", timeout=30)
    run.check("location edited on its page", b.find("#printer-location").text == "Browser floor 2", b.find("#printer-location").text)
    run.shoot(b, "admin-printer-page")


def test_rule(run, b, args):
    """3: the guests rule written on the rules page."""
    b.get(args.base + "/admin/rules")
    b.find("#rule-line").send_keys("guests role=guest => mono quota-pages=10/day")
    b.find("#rule-new button[type=submit]").click()
    loaded(b, "the rule listed", lambda: b.exists('[data-rule="guests"]'), timeout=30)
    run.check("rule 'guests: mono only, 10 pages a day' written and listed", b.exists('[data-rule="guests"]'))
    run.shoot(b, "admin-rules-guests")


def release_from_jobs(b, args, name):
    """Release the job NAME from the portal's /jobs row to the printer; (h1, main text)."""
    b.get(args.base + "/jobs")
    li = portal.job_rows(b)[name][0]
    li.find("select").send_keys("flows")
    li.find(".release-button").click()
    loaded(b, "the release answer", lambda: b.exists("#message"), timeout=90)
    return b.find("h1").text, b.find("main").text


def test_guest(run, g, args):
    """4: the guest's colour upload held mono, 10 pages print, the 11th is refused."""
    gargs = argparse.Namespace(base=args.base, maildir=args.guest_maildir, address=args.guest_address)
    portal.sign_in(run, g, gargs, "guest", shoot=False)
    colour = os.path.basename(args.colour_file)
    g.find("#files").send_keys(args.colour_file)
    g.wait("the upload held", lambda: any("held" in li.text for li in g.find_all("#progress li")), timeout=90)
    jobs = g.js_async("var done = arguments[arguments.length - 1];"
                      "fetch('/api/v1/jobs', {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(done, function (e) { done({error: String(e)}); });")
    job = next((j for j in jobs.get("jobs", []) if j.get("name") == colour), None)
    run.check("guest's colour upload: held, 10 pages, colour pages counted", job is not None and job["state"] == "held" and job["pages"] == 10 and job["color_pages"] == 10, job)
    run.check("  held in black and white (its options: color_mode monochrome)", job is not None and job["color_mode"] == "monochrome", job)
    run.shoot(g, "guest-jobs-colour")
    before = portal.printer_docs(args.printer_dir)
    h1, text = release_from_jobs(g, args, colour)
    run.check("release through the portal: 10 pages (the whole quota) print", h1 == "Printing", text)
    portal.wait_printed(run, g, argparse.Namespace(printer_dir=args.printer_dir), before, "colour", 10, "  the printer got 10 pages")
    g.get(args.base + "/jobs")
    g.find("#files").send_keys(args.one_file)
    g.wait("the second upload held", lambda: sum("held" in li.text for li in g.find_all("#progress li")) >= 1 and
           any(os.path.basename(args.one_file) in li.text and "held" in li.text for li in g.find_all("#progress li")), timeout=90)
    before = portal.printer_docs(args.printer_dir)
    h1, text = release_from_jobs(g, args, os.path.basename(args.one_file))
    run.check("the 11th page is refused at release: Not printed, with the quota's sentence",
              h1 == "Not printed" and "10" in text and "left" in text, (h1, text))
    run.shoot(g, "guest-quota-refused")
    time.sleep(2)
    run.check("  nothing reached the printer", portal.printer_docs(args.printer_dir) == before)
    g.get(args.base + "/jobs")
    rows = portal.job_rows(g)
    one = rows.get(os.path.basename(args.one_file))
    run.check("  and it stays held", one is not None and one[1] == "held", {k: v[1:] for k, v in rows.items()})


def test_audit_csv(run, b, args):
    """5: the audit log exported as CSV through the browser's download."""
    folder = os.path.join(args.work, "downloads")
    os.makedirs(folder, exist_ok=True)
    for f in glob.glob(os.path.join(folder, "*")):
        os.unlink(f)
    b.cdp("Browser.setDownloadBehavior", behavior="allow", downloadPath=folder)
    b.get(args.base + "/admin/audit")
    b.find("#audit-csv").click()
    try:
        files = b.wait("the CSV download", lambda: [f for f in glob.glob(os.path.join(folder, "*")) if not f.endswith(".crdownload")], timeout=30)
    except AssertionError:
        files = []
    run.check("audit CSV export: the download arrived", len(files) == 1, os.listdir(folder))
    if not files:
        return
    with open(files[0], encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    run.check("  it has a header", rows and "action" in rows[0], rows[:1])
    text = "\n".join(",".join(r) for r in rows)
    run.check("  and the rows: printer.add of flows, the guest's job.print and release.refuse",
              re.search(r"printer\.add.*flows|flows.*printer\.add", text) is not None and args.guest in text and "job.print" in text and "release.refuse" in text,
              len(rows))


def test_erase(run, b, args):
    """6: erase the guest; the report keeps the anonymised rows."""
    b.get(args.base + "/admin/users/" + args.guest)
    run.shoot(b, "admin-user-gdpr")
    b.find("#erase-confirm").send_keys(args.guest)
    b.find("#erase-button").click()
    loaded(b, "the erasure's answer", lambda: b.exists("#pseudonym"), timeout=60)
    pseudonym = b.find("#pseudonym").text.strip()
    run.check("the guest erased on the console: erased-<id>", re.fullmatch(r"erased-\d+", pseudonym) is not None, pseudonym)
    run.shoot(b, "admin-user-erased")
    b.get(args.base + "/admin/reports?by=user")
    rows = {tr.find(".report-key").text: tr.find(".report-pages").text for tr in b.find_all("#report tr.report-row")}
    run.check("the usage report keeps the guest's 10 pages under %s" % pseudonym, rows.get(pseudonym) == "10", rows)
    run.check("  and no row names the guest", args.guest not in rows, rows)
    run.shoot(b, "admin-reports-erased")


def test_pages(run, b, args):
    """7: every console page, shot, and no repeated id."""
    for page in PAGES + ("printers/flows", "users/" + args.name):
        b.get(args.base + "/admin/" + page if page else args.base + "/admin")
        run.check("/admin/%s answers" % page, b.exists("#admin-nav"), b.title)
        dup = duplicate_ids(b)
        run.check("/admin/%s repeats no element id" % page, dup == [], dup)
        run.shoot(b, "page-" + (page.replace("/", "-") or "dashboard"))


def main():
    args, run, drv = admin.begin(__doc__, ("base", "out", "work", "name", "password", "printer-uri", "printer-dir", "guest", "guest-address",
                                           "guest-maildir", "colour-file", "one-file"), "flows")
    state = {}
    try:
        b = drv.session(os.path.join(args.work, "profile-flows"))
        g = drv.session(os.path.join(args.work, "profile-guest"))
        b.viewport(*portal.PHONE, mobile=True)
        g.viewport(*portal.PHONE, mobile=True)
        if run.step("sign-in", b=b, fn=lambda: admin.test_enrol(run, b, args, state)):
            run.step("printer", b=b, fn=lambda: test_printer(run, b, args))
            if run.step("rule", b=b, fn=lambda: test_rule(run, b, args)):
                run.step("guest", b=g, fn=lambda: test_guest(run, g, args))
            run.step("audit CSV", b=b, fn=lambda: test_audit_csv(run, b, args))
            run.step("erase", b=b, fn=lambda: test_erase(run, b, args))
            run.step("pages", b=b, fn=lambda: test_pages(run, b, args))
        g.quit()
        b.quit()
    finally:
        drv.stop()
    print("browser (admin flows): %d screenshots in %s" % (2 * run.shots, args.out))
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed or run.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
