#!/usr/bin/env python3
"""ipp-client.py - a raw IPP client for the gateway's hostile-input tests.

Builds requests byte by byte (so tests can send what no real client would)
and sends them over TLS (certificate not checked: the test daemon's is
self-signed), optionally with HTTP Basic, slowly, in chunked encoding, or
stopping halfway; or over plain HTTP (--plain, ipp://).  Prints one line: "HTTP <code> IPP 0x<status> <text>"
(IPP part only for application/ipp answers), plus "job-id=N" when the
answer has one, plus "attr NAME" for each attribute name in an unsupported
group, plus "printer-uri-supported=URI" (and its security and
authentication) for each value.

  ipp-client.py PORT KIND [options]
  KIND: gpa, print, validate, create, send, gja, gjobs, cancel, close, raw-hex,
        version, longname, longvalue, badtag, badgroup, order, nested,
        manyattrs, truncated, reqid0
"""
import argparse, base64, socket, ssl, struct, sys, time

def attr(tag, name, value):
    if isinstance(value, int) and tag in (0x21, 0x23):
        value = struct.pack(">i", value)
    elif isinstance(value, bool) or tag == 0x22:
        value = bytes([1 if value else 0])
    elif isinstance(value, str):
        value = value.encode()
    return bytes([tag]) + struct.pack(">H", len(name)) + name.encode() + struct.pack(">H", len(value)) + value

def header(op, version=(2, 0), reqid=1):
    return bytes(version) + struct.pack(">Hi", op, reqid)

def op_attrs(uri, user=None, extra=b""):
    b = b"\x01" + attr(0x47, "attributes-charset", "utf-8") + attr(0x48, "attributes-natural-language", "en")
    b += attr(0x45, "printer-uri", uri)
    if user:
        b += attr(0x42, "requesting-user-name", user)
    return b + extra

def collection(name, depth):
    """media-col nested 'depth' levels deep (each level a member collection)."""
    out = attr(0x34, name, b"")
    for _ in range(depth - 1):
        out += attr(0x4A, "", "media-col") + attr(0x34, "", b"")
    for _ in range(depth - 1):
        out += attr(0x37, "", b"")
    return out + attr(0x37, "", b"")

def build(a):
    uri = "%s://localhost:%d/ipp/print" % ("ipp" if a.plain else "ipps", a.port)
    ops = {"gpa": 0x0B, "print": 0x02, "validate": 0x04, "create": 0x05, "send": 0x06, "gja": 0x09, "gjobs": 0x0A, "cancel": 0x08,
           "close": 0x3B}
    k = a.kind
    extra = b""
    if a.format:
        extra += attr(0x49, "document-format", a.format)
    if a.job_id:
        extra += attr(0x21, "job-id", a.job_id)
    if k == "send":
        extra += attr(0x22, "last-document", not a.more)
    if a.which:
        extra += attr(0x44, "which-jobs", a.which)
    job = b""
    for spec in a.job_attr or []:
        name, kind, value = spec.split(":", 2)
        if kind == "int":
            job += attr(0x21, name, int(value))
        elif kind == "enum":
            job += attr(0x23, name, int(value))
        elif kind == "range":
            lo, hi = value.split("-")
            job += bytes([0x33]) + struct.pack(">H", len(name)) + name.encode() + struct.pack(">Hii", 8, int(lo), int(hi))
        elif kind == "nested":
            job += collection(name, int(value))
        elif kind == "name":
            job += attr(0x42, name, value)
        else:
            job += attr(0x44, name, value)
    if job:
        job = b"\x02" + job
    if k in ops:
        return header(ops[k]) + op_attrs(uri, a.user_name, extra) + job + b"\x03"
    if k == "version":
        major, minor = a.value.split(".")
        return header(0x0B, (int(major), int(minor))) + op_attrs(uri) + b"\x03"
    if k == "reqid0":
        return header(0x0B, reqid=0) + op_attrs(uri) + b"\x03"
    if k == "longname":
        return header(0x0B) + op_attrs(uri, extra=attr(0x44, "x" * int(a.value), "y")) + b"\x03"
    if k == "longvalue":
        return header(0x0B) + op_attrs(uri, extra=attr(0x41, "job-name", "v" * int(a.value))) + b"\x03"
    if k == "badtag":
        return header(0x0B) + op_attrs(uri) + bytes([0x7F]) + b"\x00\x01a\x00\x00" + b"\x03"
    if k == "badgroup":
        return header(0x0B) + op_attrs(uri) + b"\x0b" + b"\x03"
    if k == "order":
        return header(0x0B) + b"\x02" + attr(0x21, "copies", 1) + op_attrs(uri) + b"\x03"
    if k == "nested":
        return header(0x04) + op_attrs(uri) + b"\x02" + collection("media-col", int(a.value)) + b"\x03"
    if k == "manyattrs":
        return header(0x0B) + op_attrs(uri, extra=b"".join(attr(0x44, "x-%d" % i, "y") for i in range(int(a.value)))) + b"\x03"
    if k == "truncated":
        full = header(0x0B) + op_attrs(uri) + b"\x03"
        return full[: int(a.value)]
    raise SystemExit("unknown kind " + k)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("kind")
    p.add_argument("--value", default="")
    p.add_argument("--auth")                       # user:password
    p.add_argument("--user-name")                  # requesting-user-name
    p.add_argument("--format")
    p.add_argument("--job-id", type=int)
    p.add_argument("--which")
    p.add_argument("--job-attr", action="append")  # name:type:value
    p.add_argument("--document")                   # file to append
    p.add_argument("--more", action="store_true")  # send: last-document false (more documents follow)
    p.add_argument("--doc-bytes", type=int, default=0)   # that many zero-ish bytes instead
    p.add_argument("--chunked", action="store_true")
    p.add_argument("--stop-after", type=int)       # close after sending this many body bytes
    p.add_argument("--rate", type=float)           # body bytes per second
    p.add_argument("--pause-after", type=int)      # send this many body bytes, then wait (to be killed)
    p.add_argument("--path", default="/ipp/print")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--plain", action="store_true")   # plain HTTP (ipp://), no TLS
    a = p.parse_args()

    body = build(a)
    if a.document:
        body += open(a.document, "rb").read()
    if a.doc_bytes:
        body += (b"%PDF-1.4\n" + b"%" * (a.doc_bytes - 9))[: a.doc_bytes]

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
    except OSError as e:
        print("CONNECT-ERROR %s" % type(e).__name__)
        return
    if not a.plain:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    hdr = "POST %s HTTP/1.1\r\nHost: localhost:%d\r\nContent-Type: application/ipp\r\n" % (a.path, a.port)
    if a.auth:
        hdr += "Authorization: Basic %s\r\n" % base64.b64encode(a.auth.encode()).decode()
    hdr += "Transfer-Encoding: chunked\r\n" if a.chunked else "Content-Length: %d\r\n" % len(body)
    s.sendall((hdr + "\r\n").encode())

    sent, step = 0, 65536
    try:
        while sent < len(body):
            n = 1 if a.rate else step
            if a.stop_after is not None and sent + n > a.stop_after:
                n = a.stop_after - sent
                if n <= 0:
                    s.close()
                    print("STOPPED after %d bytes" % sent)
                    return
            if a.pause_after is not None and sent + n > a.pause_after:
                n = a.pause_after - sent
                if n <= 0:
                    print("PAUSED after %d bytes" % sent, flush=True)
                    time.sleep(a.timeout)
                    return
            piece = body[sent : sent + n]
            s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if a.chunked else piece)
            sent += n
            if a.rate:
                time.sleep(1.0 / a.rate)
        if a.chunked:
            s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout) as e:
        print("SEND-ERROR after %d bytes: %s" % (sent, type(e).__name__))
    resp = read_answer(s)
    if not resp:
        print("HTTP none")
        return
    head, _, rest = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    out = "HTTP " + lines[0].split()[1]
    for l in lines[1:]:
        if l.lower().startswith("www-authenticate:"):
            out += " [" + l + "]"
    if b"application/ipp" in head.lower() and len(rest) >= 8:
        out += " IPP 0x%04x" % struct.unpack(">H", rest[2:4])[0]
        out += describe(rest)
    print(out)

def read_answer(s):
    """One HTTP answer (its head and a Content-Length body) from socket s: the bytes (b"" if none)."""
    resp = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            resp += d
            if b"\r\n\r\n" in resp:
                head, _, rest = resp.partition(b"\r\n\r\n")
                cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if cl and len(rest) >= int(cl[0].split(b":")[1]):
                    break
    except (ConnectionResetError, ssl.SSLError, socket.timeout):
        pass
    return resp

def exchange(port, op, doc=b"", cred=None, sent=None, timeout=60):
    """One request on a new TLS connection to /ipp/print (Basic when cred; sent() called once it is sent):
    (answer_status(), seconds from the connect).  socket.timeout (an OSError) after timeout seconds of silence."""
    body = header(op) + op_attrs("ipps://localhost:%d/ipp/print" % port) + b"\x03" + doc
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    t0 = time.monotonic()
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout), server_hostname="localhost")
    h = "POST /ipp/print HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/ipp\r\nContent-Length: %d\r\n" % len(body)
    if cred:
        h += "Authorization: Basic %s\r\n" % base64.b64encode(cred.encode()).decode()
    s.sendall((h + "\r\n").encode() + body)
    if sent:
        sent()
    ok = answer_status(read_answer(s))
    s.close()
    return ok, time.monotonic() - t0

def answer_status(resp):
    """"200" for HTTP 200 with IPP successful-ok, "ipp-error" for another IPP status, else the HTTP code ("none")."""
    ok = resp[:12].split(b" ")[1].decode() if resp else "none"
    if ok == "200" and b"\r\n\r\n" in resp:
        rest = resp.partition(b"\r\n\r\n")[2]
        ok = "200" if len(rest) >= 4 and rest[2:4] == b"\x00\x00" else "ipp-error"
    return ok

def describe(msg):
    """status-message, job-id and unsupported attribute names, by walking the answer."""
    i, group, extra, last = 8, 0, "", ""
    while i < len(msg):
        tag = msg[i]
        if tag == 0x03:
            break
        if tag < 0x10:
            group, i = tag, i + 1
            continue
        nl = struct.unpack(">H", msg[i + 1 : i + 3])[0]
        name = msg[i + 3 : i + 3 + nl].decode("latin-1")
        vl = struct.unpack(">H", msg[i + 3 + nl : i + 5 + nl])[0]
        val = msg[i + 5 + nl : i + 5 + nl + vl]
        if nl:
            last = name
        if last in ("printer-uri-supported", "uri-security-supported", "uri-authentication-supported"):
            extra += " %s=%s" % (last, val.decode())
        elif name == "status-message":
            extra += " (%s)" % val.decode("utf-8", "replace")
        elif name == "job-id" and vl == 4:
            extra += " job-id=%d" % struct.unpack(">i", val)[0]
        elif name == "job-state" and vl == 4:
            extra += " job-state=%d" % struct.unpack(">i", val)[0]
        elif name == "job-originating-user-name":
            extra += " owner=%s" % val.decode()
        elif name in ("printer-uuid",):
            extra += " %s=%s" % (name, val.decode())
        elif group == 0x05 and nl:
            extra += " attr %s" % name
        i += 5 + nl + vl
    return extra

if __name__ == "__main__":
    main()
