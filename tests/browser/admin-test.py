#!/usr/bin/env python3
"""admin-test.py - the admin console (docs/admin.md) as an admin uses it, in
headless Chromium (run by tests/integration/web-browser.sh after
portal-test.py, against the same gateway and test CA).

What it does and checks, at a phone's width unless said:
  1. /admin shows the password form; the admin's password leads to the
     second-factor step, which offers to set up an authenticator app.
  2. Enrolment shows the QR code (an image that loaded), the key and the
     otpauth:// URI; the TOTP code of that key (computed here with hmac,
     RFC 6238) is typed in: the recovery codes are shown once (10), then
     the dashboard with the admin's navigation (users, addresses,
     quarantine, audit, settings).
  3. A wrong code on a new sign-in is refused with a sentence; a recovery
     code lets the admin in.
  4. Users: a user is created with a display name holding <b> and an
     address; the user's page shows the name as text; the users list
     finds it by search.
  5. Addresses: the new address is pending; Approve makes it verified by
     the admin.
  6. The audit log lists user.add and address.verify by the admin.
Every console page is shot at phone and desktop widths into --out.
Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on any failure.
"""

import argparse
import base64
import hashlib
import hmac
import importlib.util
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webdriver  # noqa: E402

_spec = importlib.util.spec_from_file_location("portal_test", os.path.join(os.path.dirname(os.path.abspath(__file__)), "portal-test.py"))
portal = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(portal)


def totp(secret, steps=0):
    """The RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of a base32 secret, now + STEPS steps."""
    key = base64.b32decode(secret + "=" * ((8 - len(secret) % 8) % 8))
    h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + steps), hashlib.sha1).digest()
    o = h[19] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)


def fresh_step():
    """Wait until at least 3 s remain in the current 30 s step."""
    while int(time.time()) % 30 > 26:
        time.sleep(0.5)


def password_step(run, b, args, tag):
    """/admin: the password form, then the second-factor step."""
    b.get(args.base + "/admin")
    b.wait("the password form", lambda: b.exists("#admin-signin"))
    b.find("#name").send_keys(args.name)
    b.find("#password").send_keys(args.password)
    b.find("#admin-signin button[type=submit]").click()
    b.wait("the password's answer", lambda: b.exists("#continue"), timeout=20)
    b.find("#continue").click()
    b.wait("the second-factor step", lambda: b.exists("#admin-code") or b.exists("#admin-enrol"))
    run.check("%s: the password leads to the second factor" % tag, True)


def test_enrol(run, b, args, state):
    """1 and 2: password, enrolment, first code, recovery codes, dashboard."""
    b.get(args.base + "/admin")
    run.check("/admin: the password form", b.exists("#admin-signin"), b.title)
    run.shoot(b, "admin-signin")
    password_step(run, b, args, "enrol")
    run.check("the step offers enrolment", b.exists("#admin-enrol"))
    run.shoot(b, "admin-factor")
    b.find("#admin-enrol button[type=submit]").click()
    b.wait("the enrolment page", lambda: b.exists("#totp-secret"))
    secret = b.find("#totp-secret").text.strip()
    uri = b.find("#totp-uri").text.strip()
    run.check("enrolment: the QR code loaded", b.js("var q = document.getElementById('totp-qr'); return !!q && q.complete && q.naturalWidth > 0;"))
    run.check("enrolment: the otpauth:// URI carries the key", uri.startswith("otpauth://totp/Printgate:%s?secret=%s&" % (args.name, secret)), uri)
    run.shoot(b, "admin-enrol")
    fresh_step()
    b.find("#code").send_keys(totp(secret))
    b.find("#admin-enrol-confirm button[type=submit]").click()
    b.wait("the recovery codes", lambda: b.exists("#recovery-codes"))
    codes = [li.text.strip() for li in b.find_all("#recovery-codes li")]
    run.check("enrolment: 10 recovery codes shown, one an item", len(codes) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes), codes)
    run.shoot(b, "admin-recovery")
    b.find("#continue").click()
    b.wait("the dashboard", lambda: b.exists("#dashboard"))
    nav = [a.attr("id") for a in b.find_all("#admin-nav a")]
    run.check("the dashboard with the admin's navigation", nav == ["nav-admin", "nav-users", "nav-addresses", "nav-quarantine", "nav-audit", "nav-reports", "nav-health",
                                                                "nav-settings", "nav-printers", "nav-mail-sources", "nav-rules", "nav-terminals"], nav)
    run.shoot(b, "admin-dashboard")
    state["codes"] = codes
    state["secret"] = secret


def test_second_signin(run, b, args, state):
    """3: a wrong code refused, a recovery code works."""
    b.find("#signout").click()
    b.wait("signed out", lambda: b.exists("#signin-code"))
    password_step(run, b, args, "again")
    run.check("an enrolled admin is asked for a code", b.exists("#admin-code"))
    wrong = "%06d" % ((int(totp(state["secret"])) + 500000) % 1000000)
    b.find("#code").send_keys(wrong)
    b.find("#admin-code button[type=submit]").click()
    b.wait("the refusal", lambda: b.exists("#error"))
    run.check("a wrong code is refused with a sentence", "wrong" in b.find("#error").text, b.find("#error").text)
    run.shoot(b, "admin-code-wrong")
    b.find("#code").send_keys(state["codes"][0])
    b.find("#admin-code button[type=submit]").click()
    b.wait("the dashboard", lambda: b.exists("#dashboard"))
    run.check("a recovery code lets the admin in", b.exists("#nav-settings"))


def test_users(run, b, args):
    """4: create a user, see it, search it."""
    b.get(args.base + "/admin/users")
    run.shoot(b, "admin-users")
    b.find("#new-name").send_keys("browser-user")
    b.find("#new-display").send_keys("<b>Browser</b> User")
    b.find("#new-email").send_keys(args.new_address)
    b.find("#user-new button[type=submit]").click()
    b.wait("the user's page", lambda: b.exists("#user-edit"))
    run.check("the new user's page, named", b.find("h1").text == "browser-user", b.find("h1").text)
    run.check("  its display name is text", b.find("#display_name").prop("value") == "<b>Browser</b> User" and not b.exists("main b"))
    run.check("  its address is pending", "pending" in b.find("#user-addresses").text, b.find("#user-addresses").text)
    run.shoot(b, "admin-user")
    b.get(args.base + "/admin/users")
    b.find("#q").send_keys("browser")
    b.find("#user-search button[type=submit]").click()
    b.wait("the search", lambda: "q=browser" in b.url)
    names = [tr.attr("data-user") for tr in b.find_all("#users tr.user")]
    run.check("the search finds it (and only it)", names == ["browser-user"], names)
    run.shoot(b, "admin-users-search")


def test_addresses(run, b, args):
    """5: approve the pending address."""
    b.get(args.base + "/admin/addresses")
    row = next((tr for tr in b.find_all("#addresses tr.address") if tr.attr("data-address") == args.new_address), None)
    run.check("the address awaits verification", row is not None and "state-pending" in row.attr("class"))
    run.shoot(b, "admin-addresses")
    row.find(".approve-button").click()

    def approved_row():
        # The old page still has #addresses while the new one loads: wait for
        # the row to say verified (a stale element raises, and is retried).
        r = next((tr for tr in b.find_all("#addresses tr.address") if tr.attr("data-address") == args.new_address), None)
        return r if r is not None and "state-verified" in r.attr("class") else None
    try:
        row = b.wait("the address row to say verified", approved_row, timeout=15)
    except AssertionError:
        row = next((tr for tr in b.find_all("#addresses tr.address") if tr.attr("data-address") == args.new_address), None)
    run.check("approved: verified by the admin", row is not None and "state-verified" in row.attr("class") and ("by " + args.name) in row.text,
              row.text if row else None)
    run.shoot(b, "admin-addresses-approved")


def test_audit(run, b, args):
    """6: the audit log and the other pages (printers, terminals and rules too)."""
    b.get(args.base + "/admin/audit")
    rows = [tr.text for tr in b.find_all("#audit tr.audit")]
    run.check("the audit log: user.add by the admin", any(args.name in r and "user.add" in r and "browser-user" in r for r in rows), rows[:5])
    run.check("the audit log: address.verify by the admin", any(args.name in r and "address.verify" in r for r in rows), rows[:5])
    run.shoot(b, "admin-audit")
    b.find("#f-action").send_keys("user.add")
    b.find("#audit-filter button[type=submit]").click()
    b.wait("the filtered audit log", lambda: "action=user.add" in b.url)
    rows = [tr.find(".audit-action").text for tr in b.find_all("#audit tr.audit")]
    run.check("the audit filter: only user.add rows", rows and all(a == "user.add" for a in rows), rows)
    run.shoot(b, "admin-audit-filtered")
    b.get(args.base + "/admin/reports?by=intake")
    run.check("the reports page: the table and two charts as images", b.exists("#report") and b.exists("#chart-pages") and b.exists("#chart-color"), b.title)
    b.wait("the charts drawn", lambda: b.js("return document.getElementById('chart-pages').complete"))
    widths = b.js("return [document.getElementById('chart-pages').naturalWidth, document.getElementById('chart-color').naturalWidth]")
    run.check("the charts load under the page's CSP (same-origin SVG images)", all(w > 0 for w in widths), widths)
    run.shoot(b, "admin-reports")
    b.get(args.base + "/admin/health")
    run.check("the health page: every section", all(b.exists("#health-" + s) for s in ("jobs", "released", "conversions", "mail", "mail-sources", "outbox", "office", "certificates", "disk")), b.title)
    run.shoot(b, "admin-health")
    for page in ("jobs", "settings", "printers", "terminals", "rules", "mail-sources"):
        b.get(args.base + "/admin/" + page)
        run.check("/admin/%s answers" % page, b.exists("#admin-nav"), b.title)
        run.shoot(b, "admin-" + page)


def begin(doc, options, tag):
    """A console browser script's start: its --OPTIONS (all required), the
    output folder, the Run and chromedriver (logging to chromedriver-TAG.log)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    for a in options:
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.out, exist_ok=True)
    return args, portal.Run(args.out), webdriver.ChromeDriver(log=os.path.join(args.work, "chromedriver-%s.log" % tag))


def main():
    args, run, drv = begin(__doc__, ("base", "out", "work", "name", "password", "new-address"), "admin")
    state = {}
    try:
        b = drv.session(os.path.join(args.work, "profile-admin"))
        b.viewport(*portal.PHONE, mobile=True)
        if run.step("enrolment", b=b, fn=lambda: test_enrol(run, b, args, state)):
            run.step("second sign-in", b=b, fn=lambda: test_second_signin(run, b, args, state))
            run.step("users", b=b, fn=lambda: test_users(run, b, args))
            run.step("addresses", b=b, fn=lambda: test_addresses(run, b, args))
            run.step("audit and pages", b=b, fn=lambda: test_audit(run, b, args))
        b.quit()
    finally:
        drv.stop()
    print("browser (admin): %d screenshots in %s" % (2 * run.shots, args.out))
    print("%d passed, %d failed" % (run.passed, run.failed))
    return 1 if run.failed or run.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
