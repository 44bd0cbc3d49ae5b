#!/usr/bin/env python3
"""ipp-hold.py - the clients of a held-work test (tests/lib/ipp-test.sh, ipp_hold_start):

  ipp-hold.py gpa PORT TIMEOUT
      one Get-Printer-Attributes on a new connection: prints "200", another
      status, or "no answer (...)" when nothing came within TIMEOUT seconds;
  ipp-hold.py start PORT DIR OP CRED [DOCUMENT]
      starts a request (operation OP, Basic CRED, the document if given) on a
      new connection every 0.1 s until DIR/enough exists (60 at most: the
      listener takes 64 connections per client), and at least $IPP_HOLD_MIN
      of them (0 unless set), writes their number to DIR/started, waits for every answer and
      prints "answered=N/STARTED" (N: successful-ok), then "statuses: " and
      each request's HTTP status (or "lost"), sorted.

Each request is sent by tests/lib/ipp-client.py's exchange() over TLS.
"""

import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ipc = __import__("ipp-client")


def gpa(port, timeout):
    try:
        print(ipc.exchange(port, 0x0B, b"", None, timeout=timeout)[0])
    except OSError as e:
        print("no answer (%s)" % type(e).__name__)


def start(port, folder, op, cred, doc):
    results, threads = [], []

    def one():
        try:
            results.append(ipc.exchange(port, op, doc, cred, timeout=120)[0])
        except OSError:
            results.append("lost")

    least = int(os.environ.get("IPP_HOLD_MIN", "0"))
    while len(threads) < 60 and (len(threads) < least or not os.path.exists(os.path.join(folder, "enough"))):
        threads.append(threading.Thread(target=one))
        threads[-1].start()
        time.sleep(0.1)
    with open(os.path.join(folder, "started"), "w") as f:
        f.write("%d\n" % len(threads))
    for t in threads:
        t.join()
    print("answered=%d/%d" % (results.count("200"), len(results)))
    print("statuses: %s" % " ".join(sorted(results)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "gpa":
        gpa(int(sys.argv[2]), float(sys.argv[3]))
    elif len(sys.argv) in (6, 7) and sys.argv[1] == "start":
        document = open(sys.argv[6], "rb").read() if len(sys.argv) == 7 else b""
        start(int(sys.argv[2]), sys.argv[3], int(sys.argv[4], 0), sys.argv[5], document)
    else:
        sys.exit(__doc__)
