"""fake_ms.py - the shared part of the test FAKES of Microsoft mail servers
(fake-graph.py, fake-ews.py): NOT Microsoft's servers, only small local HTTPS
servers that speak the documented wire formats well enough for the mail
front-end's tests (docs/testing.md).

What is shared:
  * HTTPS on 127.0.0.1 with a certificate from the test's CA, the port chosen
    by the kernel and written to --port-file;
  * an OAuth2 token endpoint (POST .../token): client-credentials and
    refresh-token grants, form-encoded, JSON answer (RFC 6749);
  * bearer checks, with an "expired token" scenario: after --expire-after
    requests the first token is refused (401, WWW-Authenticate
    error="invalid_token") and only a new grant gets on;
  * a request log (--log, one JSON object a line: time, method, path, whether
    an Authorization header came, status) the tests read;
  * a mailbox (--mailbox DIR: every *.eml, in name order) whose state (folder,
    read flag, downloads) is written to --state after each change;
  * hostile answers (--hostile: see fake-graph.py and fake-ews.py);
  * throttling (--throttle SECONDS: the first listing answers 429 or 503 with
    Retry-After) and a dropped connection (--drop-first: the first download of
    each message stops half way and the connection is closed).
"""

import argparse
import base64
import json
import os
import secrets
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def options(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--mailbox", required=True)
    p.add_argument("--client-id", default="")
    p.add_argument("--client-secret", default="")
    p.add_argument("--refresh-token", default="")
    p.add_argument("--token-value", default="", help="issue this token (else fresh random ones)")
    p.add_argument("--token-first", default="", help="the first grant issues this token instead (an expired one)")
    p.add_argument("--token-file", default="", help="each grant issues the token this file holds then (a test changes it)")
    p.add_argument("--expires-in", type=int, default=3599, help="the expires_in of each token granted")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--page-size", type=int, default=2)
    p.add_argument("--throttle", type=int, default=0)
    p.add_argument("--expire-after", type=int, default=0)
    p.add_argument("--drop-first", action="store_true")
    p.add_argument("--hostile", default="", help="graph: foreign-next (a next link to another host); ews: doctype (entities in every answer)")
    return p


class Mailbox:
    """Messages and folders, shared by the handler threads."""

    def __init__(self, args, make_id):
        self.args = args
        self.lock = threading.Lock()
        self.folders = {"inbox": "inbox"}          # id -> display name
        self.messages = {}                          # id -> dict
        for name in sorted(os.listdir(args.mailbox)):
            if name.endswith(".eml"):
                mid = make_id()
                with open(os.path.join(args.mailbox, name), "rb") as f:
                    data = f.read()
                self.messages[mid] = {"file": name, "folder": "inbox", "isRead": False,
                                      "downloads": 0, "data": data, "moves": 0, "marks": 0}
        self.tokens = {}                            # token -> requests served with it
        self.grants = 0
        self.grant_types = []                       # grant_type of each grant, in order
        self.throttled = False
        self.save()

    def save(self):
        state = {"grants": self.grants, "grant_types": self.grant_types, "folders": self.folders,
                 "messages": {m["file"]: {k: v for k, v in m.items() if k != "data"} |
                              {"id": i, "folder": self.folders.get(m["folder"], m["folder"])}
                              for i, m in self.messages.items()}}
        tmp = self.args.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f, indent=1)
        os.replace(tmp, self.args.state)

    def unread(self, folder_id):
        return [i for i, m in self.messages.items() if m["folder"] == folder_id and not m["isRead"]]

    def folder_by_name(self, name):
        for fid, dn in self.folders.items():
            if dn.lower() == name.lower():
                return fid
        return None

    def create_folder(self, name, make_id):
        fid = self.folder_by_name(name)
        if not fid:
            fid = make_id()
            self.folders[fid] = name
        return fid


class Handler(BaseHTTPRequestHandler):
    """Common request handling; the fakes override route()."""

    protocol_version = "HTTP/1.1"
    box = None
    args = None

    def log_message(self, fmt, *a):   # quiet: the JSON log is the record
        pass

    def record(self, status):
        entry = {"t": time.time(), "method": self.command, "path": self.path, "host": self.headers.get("Host", ""),
                 "auth": "Authorization" in self.headers, "status": status,
                 "op": getattr(self, "op", "")}
        with self.box.lock:
            with open(self.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def answer(self, status, body=b"", ctype="application/json", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.record(status)

    def drop(self, body):
        """Headers for the whole body, half of it, then the connection closes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.record("dropped")
        self.close_connection = True
        self.connection.shutdown(2)

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def token(self):
        form = urllib.parse.parse_qs(self.read_body().decode())
        get = lambda k: form.get(k, [""])[0]
        grant = get("grant_type")
        ok = get("client_id") == self.args.client_id
        if grant == "client_credentials":
            ok = ok and get("client_secret") == self.args.client_secret
        elif grant == "refresh_token":
            ok = ok and self.args.refresh_token and get("refresh_token") == self.args.refresh_token
        else:
            ok = False
        if not ok:
            return self.answer(400, json.dumps({"error": "invalid_client", "error_description": "fake: bad client or grant"}))
        with self.box.lock:
            self.box.grants += 1
            self.box.grant_types.append(grant)
            if self.args.token_file:
                with open(self.args.token_file) as f:
                    tok = f.read().strip()
            else:
                tok = self.args.token_value or "fake-token-%d-%s" % (self.box.grants, secrets.token_hex(8))
            if self.box.grants == 1 and self.args.token_first:
                tok = self.args.token_first
            self.box.tokens[tok] = 0
            self.box.save()
        return self.answer(200, json.dumps({"token_type": "Bearer", "expires_in": self.args.expires_in, "access_token": tok}))

    def authorized(self):
        """Bearer (a token this fake issued, not expired) or Basic (--user/--password)."""
        h = self.headers.get("Authorization", "")
        if h.startswith("Bearer "):
            tok = h[7:]
            with self.box.lock:
                if tok not in self.box.tokens:
                    return False
                self.box.tokens[tok] += 1
                first = list(self.box.tokens)[0] == tok
                if self.args.expire_after and first and self.box.tokens[tok] > self.args.expire_after:
                    return False
            return True
        if h.startswith("Basic ") and self.args.user:
            want = base64.b64encode(("%s:%s" % (self.args.user, self.args.password)).encode()).decode()
            return h[6:] == want
        return False

    def refuse(self):
        self.answer(401, json.dumps({"error": {"code": "InvalidAuthenticationToken", "message": "fake: token expired or unknown"}}),
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def throttle_once(self, status):
        """True (and 429/503 answered) the first time, when --throttle is set."""
        with self.box.lock:
            if not self.args.throttle or self.box.throttled:
                return False
            self.box.throttled = True
        self.answer(status, json.dumps({"error": {"code": "TooManyRequests"}}),
                    headers={"Retry-After": str(self.args.throttle)})
        return True

    def handle_any(self):
        try:
            if self.command == "POST" and self.path.endswith("/token"):
                self.op = "token"
                return self.token()
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PATCH = do_DELETE = handle_any


def serve(handler_class, args, make_id):
    handler_class.args = args
    handler_class.box = Mailbox(args, make_id)
    open(args.log, "a").close()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    httpd.serve_forever()
