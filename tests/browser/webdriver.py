"""webdriver.py - a small W3C WebDriver client for chromedriver, Python 3
standard library only (urllib + json): no pip, no npm.

    driver = ChromeDriver()                    # chromedriver on a random loopback port
    b = driver.session(profile_dir, javascript=True)
    b.viewport(390, 844, mobile=True)
    b.get("https://127.0.0.1:8631/signin")
    b.find("#address").send_keys("alice@example.test")
    b.find("#signin-code button").click()
    b.screenshot("/tmp/out/signin-phone.png")  # the whole page, not only the viewport
    b.quit()
    driver.stop()                              # by PID, TERM then KILL

Chromium gets --headless=new --no-sandbox --disable-gpu and its own
--user-data-dir; it trusts only what the NSS database in $HOME/.pki/nssdb
trusts (the caller points HOME at a folder holding the test CA): there is
no --ignore-certificate-errors.  Full-page screenshots and the viewport
use Chromium's DevTools commands through chromedriver (goog/cdp/execute).
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"   # the W3C element reference key


class WebDriverError(Exception):
    """An error answer from chromedriver: its W3C error code and message."""

    def __init__(self, status, error, message):
        super().__init__("%s (%s): %s" % (error, status, message.split("\n")[0]))
        self.error = error


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_program(*names):
    """The first of NAMES on PATH (or an absolute path that exists), else None."""
    for name in names:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


class ChromeDriver:
    """chromedriver on a random loopback port, stopped by its PID."""

    def __init__(self, chromedriver=None, chromium=None, log=None, env=None):
        self.binary = chromium or find_program("chromium", "/usr/lib/chromium/chromium")
        exe = chromedriver or find_program("chromedriver", "/usr/lib/chromium/chromedriver")
        if not exe or not self.binary:
            raise RuntimeError("chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        args = [exe, "--port=%d" % self.port, "--allowed-ips=127.0.0.1"]
        if log:
            args.append("--log-path=" + log)
        # Its own process group (its id is chromedriver's PID): stop() ends the Chromiums it started too.
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.sessions = []
        deadline = time.time() + 20
        while True:
            try:
                if self.call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("chromedriver did not start on port %d" % self.port)
            time.sleep(0.1)

    def call(self, method, path, body=None, timeout=120):
        """One WebDriver command; its "value", or WebDriverError."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                answer = json.load(r)
        except urllib.error.HTTPError as e:
            try:
                value = json.load(e).get("value", {})
            except ValueError:
                value = {}
            raise WebDriverError(e.code, value.get("error", "http %d" % e.code), value.get("message", "")) from None
        return answer.get("value")

    def session(self, profile_dir, javascript=True, extra_args=()):
        """A new headless Chromium session with its own profile folder."""
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile_dir,
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800"] + list(extra_args)
        options = {"binary": self.binary, "args": args}
        if not javascript:
            options["prefs"] = {"profile.managed_default_content_settings.javascript": 2}
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "acceptInsecureCerts": False,
                                                 "unhandledPromptBehavior": "ignore",
                                                 "goog:chromeOptions": options}}}
        value = self.call("POST", "/session", caps)
        self.sessions.append(Browser(self, value["sessionId"]))
        return self.sessions[-1]

    def stop(self):
        """Close the sessions still open, then stop chromedriver's process
        group by its PID (TERM, then KILL after 5 s): no Chromium is left."""
        if self.proc.poll() is None:
            for b in self.sessions:
                b.quit()
        if self.proc.returncode is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            deadline = time.time() + 5
            # Wait without reaping it: while chromedriver is unreaped its PID, the group's id, cannot be reused.
            while time.time() < deadline and not os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                time.sleep(0.1)
            os.killpg(self.proc.pid, signal.SIGKILL)   # whatever of the group is left
        except ProcessLookupError:
            pass
        self.proc.wait()


class Finder:
    """Finding elements, in the whole page (Browser) or below one (Element)."""

    def find(self, css):
        """The first element matching CSS, or WebDriverError "no such element"."""
        return Element(self.b, self._call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT])

    def find_all(self, css):
        return [Element(self.b, e[ELEMENT]) for e in self._call("POST", "/elements", {"using": "css selector", "value": css})]

    def exists(self, css):
        return len(self.find_all(css)) > 0


class Element(Finder):
    """One element of the page (a W3C web element reference)."""

    def __init__(self, browser, ref):
        self.b = browser
        self.ref = ref

    def _call(self, method, what, body=None):
        return self.b._call(method, "/element/%s%s" % (self.ref, what), body)

    def click(self):
        self._call("POST", "/click", {})

    def send_keys(self, text):
        """Type TEXT (for an <input type=file>: the file paths, one a line)."""
        self._call("POST", "/value", {"text": text})

    def clear(self):
        self._call("POST", "/clear", {})

    @property
    def text(self):
        """The rendered text (what a person sees)."""
        return self._call("GET", "/text")

    def prop(self, name):
        return self._call("GET", "/property/" + name)

    def attr(self, name):
        return self._call("GET", "/attribute/" + name)

    def displayed(self):
        return self._call("GET", "/displayed")


class Browser(Finder):
    """One browser session."""

    def __init__(self, driver, sid):
        self.driver = driver
        self.sid = sid
        self.b = self

    def _call(self, method, what, body=None):
        return self.driver.call(method, "/session/%s%s" % (self.sid, what), body)

    def get(self, url):
        self._call("POST", "/url", {"url": url})

    @property
    def url(self):
        return self._call("GET", "/url")

    @property
    def title(self):
        return self._call("GET", "/title")

    @property
    def source(self):
        return self._call("GET", "/source")

    def js(self, script, *args):
        """Run SCRIPT (a function body) in the page; its return value."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        """Run SCRIPT; it calls arguments[arguments.length - 1](value) when done."""
        return self._call("POST", "/execute/async", {"script": script, "args": list(args)})

    def alert_text(self):
        """The text of an open alert/confirm/prompt, or None when there is none."""
        try:
            return self._call("GET", "/alert/text")
        except WebDriverError as e:
            if e.error == "no such alert":
                return None
            raise

    def cdp(self, cmd, **params):
        """A Chromium DevTools command (through chromedriver)."""
        return self._call("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def viewport(self, width, height, mobile=False):
        """Lay the page out at WIDTH x HEIGHT CSS pixels (MOBILE: as a phone does, honouring <meta viewport>)."""
        self._call("POST", "/window/rect", {"width": width, "height": height})
        self.cdp("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
        self.size = (width, height)

    def screenshot(self, path):
        """The whole page (not only the viewport) as a PNG at PATH."""
        w, h = getattr(self, "size", (1280, 800))
        metrics = self.cdp("Page.getLayoutMetrics")    # works with JavaScript off, unlike execute
        height = (metrics.get("cssContentSize") or metrics.get("contentSize") or {}).get("height", h)
        shot = self.cdp("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": w, "height": max(h, min(int(height or h), 8000)), "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path

    def wait(self, what, condition, timeout=30, interval=0.2):
        """Call CONDITION() until it returns something true; that value, or AssertionError naming WHAT."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except WebDriverError as e:
                last = e
            time.sleep(interval)
        raise AssertionError("timed out after %d s waiting for %s%s" % (timeout, what, " (%s)" % last if last else ""))

    def quit(self):
        if self.sid:
            try:
                self._call("DELETE", "")
            except (OSError, WebDriverError):
                pass
            self.sid = None
