#!/usr/bin/env python3
"""smtp-sink.py PORT DIR - a plain SMTP server on 127.0.0.1:PORT that accepts
every message and writes each one to DIR/NNNN.eml (for tests that read the
gateway's outgoing mail, e.g. web sign-in codes).  No TLS, no AUTH."""
import os
import socketserver
import sys

OUT = sys.argv[2]


class Handler(socketserver.StreamRequestHandler):
    def say(self, text):
        self.wfile.write((text + "\r\n").encode())

    def handle(self):
        self.say("220 smtp-sink ready")
        data = None
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            if data is not None:
                if line in (b".\r\n", b".\n"):
                    name = os.path.join(OUT, "%04d.eml" % len(os.listdir(OUT)))
                    with open(name + ".tmp", "wb") as f:
                        f.write(b"".join(data))
                    os.rename(name + ".tmp", name)
                    data = None
                    self.say("250 queued")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                self.wfile.write(b"250-smtp-sink\r\n250 8BITMIME\r\n")
            elif cmd == b"DATA":
                self.say("354 end with .")
                data = []
            elif cmd == b"QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
