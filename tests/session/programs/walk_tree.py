"""Directory walks survive a resume: an os.walk loop stopped inside its body while an os.scandir() loop
reads a directory, Path.rglob, DirEntry objects held by the program (one of a file deleted before the
suspend), a finished scandir iterator.

Usage: walk_tree.py WORKDIR [nosuspend]
"""
import os
import pathlib
import sys

import suspendable

work = sys.argv[1]
os.chdir(work)
for d in ("tree/a/b", "tree/c"):
    os.makedirs(d, exist_ok=True)
for i, path in enumerate(["tree/a/f1", "tree/a/f2", "tree/a/b/g", "tree/c/h", "tree/gone"]):
    with open(path, "w") as f:
        f.write("x" * (i + 1))

with os.scandir("tree") as it:
    entries = sorted(it, key=lambda e: e.name)
gone = [e for e in entries if e.name == "gone"][0]
os.remove("tree/gone")
kept = [e for e in entries if e.name == "a"][0]

seen = 0
for root, dirs, files in os.walk("tree"):
    dirs.sort()
    for name in sorted(files):
        seen += 1
        if seen == 2:
            listing = []
            with os.scandir(root) as inner:  # stopped while it reads the directory
                for k, entry in enumerate(inner):
                    if k == 1 and sys.argv[2:] != ["nosuspend"]:
                        suspendable.suspend(os.path.join(work, "walk.snap"))
                    listing.append((entry.name, entry.is_dir()))
            print("listing", sorted(listing))
        print(root, name, os.path.getsize(os.path.join(root, name)))
for p in sorted(pathlib.Path("tree").rglob("*")):
    print("rglob", p, p.is_dir())
print(kept.name, kept.path, kept.is_dir(), kept.is_file(), os.fspath(kept))
print(gone.name, gone.is_file(), gone.is_dir())
try:
    gone.stat()
except FileNotFoundError:
    print("gone is gone")
print(next(it, "exhausted"))
