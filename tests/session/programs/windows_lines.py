"""A text file with Windows line endings (and a lone carriage return, and non-ASCII text) read by
`for line in f`, which turns every ending into "\n". Stopped twice: while the wrapper hands out the lines
of its first 8192-byte chunk, whose last byte is a "\r" whose "\n" is in the next chunk (the decoder
holds the "\r"), and later; each resumed loop goes on at the same line. Then a file with a byte-order
mark and lone "\r" line ends.

Usage: windows_lines.py WORKDIR [nosuspend]
"""
import os
import sys

import suspendable

work = sys.argv[1]
path = os.path.join(work, "export.txt")
head = b"".join(b"record %d;caf\xc3\xa9;%s\r\n" % (i, b"x" * (i % 13)) for i in range(300))
head = head[:8191 - 9] + b"y" * 9  # 8191 bytes: the next CRLF straddles the first 8192-byte chunk
with open(path, "wb") as out:
    out.write(head + b"\r\n" + b"lone\rcarriage\r\n" + b"".join(b"tail %d\r\n" % i for i in range(40)))

count = 0
with open(path, encoding="utf-8") as f:
    for line in f:
        count += 1
        if count in (150, 300) and sys.argv[2:] != ["nosuspend"]:
            suspendable.suspend(os.path.join(work, f"lines{count}.snap"))
        print(count, repr(line[-12:]))
print("lines", count)

# Saved by Excel as "CSV UTF-8": a byte-order mark (utf-8-sig), and old Mac line ends (a lone "\r").
marked = os.path.join(work, "marked.txt")
with open(marked, "wb") as out:
    out.write("\ufeffname;city\r".encode() + "".join(f"n{i};caf\u00e9\r" for i in range(8)).encode())
with open(marked, encoding="utf-8-sig") as f:
    for i, line in enumerate(f):
        if i == 3 and sys.argv[2:] != ["nosuspend"]:
            suspendable.suspend(os.path.join(work, "marked.snap"))
        print("marked", i, repr(line))
