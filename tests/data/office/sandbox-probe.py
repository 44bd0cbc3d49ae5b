#!/usr/bin/python3
#
# sandbox-probe.py - stands in for printgate-office-worker.py to show what a
# compromised LibreOffice instance could do (tests/unit/test-office.c).
# Reads "PORT SECRET_FILE WRITE_DIR CONTROL_SOCKET ROOT_KEY DAEMON_PID" on
# stdin, tries each escape and prints one line: tcp= inet= read= write=
# exec= ctl= key= proc= prlimit= uid= ifaces=.  Run directly it is the
# positive control (everything "open"); under printgate-office-sandbox
# every escape must say "blocked".  ctl connects to the daemon's control
# socket, key reads the root key, proc reads the daemon's /proc environ or
# cmdline, prlimit lowers the daemon's RLIMIT_NOFILE soft limit by one.

import os
import socket
import subprocess
import sys

import resource

port, secret, write_dir, control, key, daemon = sys.stdin.readline().split()
daemon = int(daemon)
result = {}

try:
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=3)
    s.close()
    result["tcp"] = "open"
except OSError:
    result["tcp"] = "blocked"

try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
    result["inet"] = "open"
except OSError:
    result["inet"] = "blocked"

try:
    with open(secret) as f:
        f.read()
    result["read"] = "open"
except OSError:
    result["read"] = "blocked"

try:
    path = os.path.join(write_dir, "probe-%d" % os.getpid())
    with open(path, "w") as f:
        f.write("x")
    os.unlink(path)
    result["write"] = "open"
except OSError:
    result["write"] = "blocked"

try:
    subprocess.run(["/bin/sh", "-c", "true"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result["exec"] = "open"
except (OSError, subprocess.CalledProcessError):
    result["exec"] = "blocked"

try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(control)
    s.close()
    result["ctl"] = "open"
except OSError:
    result["ctl"] = "blocked"

try:
    with open(key, "rb") as f:
        f.read()
    result["key"] = "open"
except OSError:
    result["key"] = "blocked"

result["proc"] = "blocked"
for name in ("environ", "cmdline"):
    try:
        with open("/proc/%d/%s" % (daemon, name), "rb") as f:
            if f.read(256):
                result["proc"] = "open"
    except OSError:
        pass

try:
    soft, hard = resource.prlimit(daemon, resource.RLIMIT_NOFILE)
    resource.prlimit(daemon, resource.RLIMIT_NOFILE, (soft - 1, hard))
    result["prlimit"] = "open"
except (OSError, ValueError):
    result["prlimit"] = "blocked"

result["uid"] = str(os.getuid())

# Network interfaces other than lo that this process sees (its network namespace's).
try:
    with open("/proc/net/dev") as f:
        result["ifaces"] = str(sum(1 for l in f.readlines()[2:] if l.split(":")[0].strip() != "lo"))
except OSError:
    result["ifaces"] = "unknown"
print(" ".join("%s=%s" % kv for kv in result.items()), flush=True)
