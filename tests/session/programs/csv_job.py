"""A CSV job: reads rows with csv.reader and csv.DictReader (newline="" files whose quoted fields hold
line breaks) and writes them with a csv.writer in another dialect, stopping itself twice.

Usage: csv_job.py WORKDIR [nosuspend]
"""
import csv
import gzip
import os
import struct
import sys

import suspendable

WORKDIR = sys.argv[1]
SUSPEND = sys.argv[2:] != ["nosuspend"]
source = os.path.join(WORKDIR, "in.csv")
with open(source, "w", newline="") as f:  # `f` stays in the namespace, closed
    out = csv.writer(f)
    out.writerow(["id", "note"])
    for i in range(12):
        out.writerow([i, f"line one of {i}\r\nline two, with a comma"])
with gzip.open(os.path.join(WORKDIR, "log.gz"), "wt") as zipped:  # closed as well
    zipped.write("x")
record = struct.Struct("<id")


def copy(target):
    with open(source, newline="") as a, open(source, newline="") as b, open(target, "w", newline="") as dst:
        rows = csv.DictReader(a)
        plain = csv.reader(b)
        header = next(plain)
        writer = csv.writer(dst, delimiter=";", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        for row in rows:
            cells = next(plain)
            writer.writerow([int(row["id"]), row["note"].upper()])
            print(rows.line_num, plain.line_num, header, cells == [row["id"], row["note"]], repr(row["note"][-12:]),
                  len(record.pack(int(row["id"]), 0.5)), flush=True)
            if SUSPEND and row["id"] in ("3", "7"):
                suspendable.suspend(os.path.join(WORKDIR, f"at{row['id']}.snap"))
    print(f.closed, zipped.closed, os.path.basename(f.name), flush=True)


copy(os.path.join(WORKDIR, "out.csv"))
with open(os.path.join(WORKDIR, "out.csv"), newline="") as done:
    print(repr(done.read()))
