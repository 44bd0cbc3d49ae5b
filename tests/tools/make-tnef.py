#!/usr/bin/python3
"""make-tnef.py - write a small TNEF stream (winmail.dat) for the tests.

TNEF as Microsoft documents it ([MS-OXTNEF]): the signature 0x223E9F78, a
16-bit key, then attributes, each: level (1 message, 2 attachment), the
attribute id (type << 16 | id), the length, the bytes and a 16-bit checksum
(the sum of the bytes, mod 65536), all little-endian.  An attachment starts
with attAttachRendData and carries attAttachTitle (the short name),
attAttachData (the file) and attAttachment (MAPI properties: here
PR_ATTACH_LONG_FILENAME, PT_STRING8).  libytnef reads what this writes (the
tests check the ytnef tool lists the files).

Usage: make-tnef.py OUT [--bad-checksum] [--long-name] [--repeat-title] FILE[=NAME]...
(--repeat-title writes each attachment's title twice: libytnef 2.0 leaks the
first, so the gateway refuses such a stream.)
"""

import struct
import sys

LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
ATP_STRING, ATP_WORD, ATP_BYTE, ATP_DWORD = 1, 7, 6, 8


def att(atp, ident):
    return (atp << 16) | ident


def attribute(level, ident, data, bad=False):
    checksum = (sum(data) + (1 if bad else 0)) & 0xFFFF
    return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", checksum)


def mapi_string8(tag_id, text):
    """One MAPI property list: PT_STRING8 (0x001E) with one value."""
    value = text.encode("cp1252") + b"\0"
    pad = (4 - len(value) % 4) % 4
    return (struct.pack("<I", 1) + struct.pack("<I", (tag_id << 16) | 0x001E) +
            struct.pack("<II", 1, len(value)) + value + b"\0" * pad)


def tnef(files, bad=False, long_name=False, repeat=False):
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += attribute(LVL_MESSAGE, att(ATP_DWORD, 0x9006), struct.pack("<I", 0x00010000))
    out += attribute(LVL_MESSAGE, att(ATP_BYTE, 0x9007), struct.pack("<II", 1252, 0))
    out += attribute(LVL_MESSAGE, att(ATP_WORD, 0x8008), b"IPM.Microsoft Mail.Note\0")
    for name, data in files:
        short = name if len(name) <= 12 or not long_name else name[:6] + "~1" + name[name.rfind("."):]
        out += attribute(LVL_ATTACHMENT, att(ATP_BYTE, 0x9002), struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))
        out += attribute(LVL_ATTACHMENT, att(ATP_STRING, 0x8010), short.encode("cp1252") + b"\0")
        if repeat:
            out += attribute(LVL_ATTACHMENT, att(ATP_STRING, 0x8010), short.encode("cp1252") + b"\0")
        out += attribute(LVL_ATTACHMENT, att(ATP_BYTE, 0x800F), data, bad)
        if long_name:
            out += attribute(LVL_ATTACHMENT, att(ATP_BYTE, 0x9005), mapi_string8(0x3707, name))
    return out


def main(argv):
    out, bad, long_name, repeat, files = argv[1], False, False, False, []
    for a in argv[2:]:
        if a == "--bad-checksum":
            bad = True
        elif a == "--long-name":
            long_name = True
        elif a == "--repeat-title":
            repeat = True
        else:
            path, _, name = a.partition("=")
            files.append((name or path.rsplit("/", 1)[-1], open(path, "rb").read()))
    with open(out, "wb") as f:
        f.write(tnef(files, bad, long_name, repeat))


if __name__ == "__main__":
    main(sys.argv)
