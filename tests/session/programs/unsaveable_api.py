"""graph.find_unpicklable_objects and placeholders, checked inside `suspendable run` (prints `ok` lines)."""
import io
import pickle
import socket
import sqlite3
import sys
import types
import zlib

import suspendable
from suspendable import graph

ns = sys.modules["__main__"].__dict__
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


db = sqlite3.connect(":memory:")
packer = zlib.compressobj()
sock = socket.socket()
cfg = {"name": "cfg", "conns": ["localhost", sock], "again": [sock]}
devnull = open("/dev/null", "w")
pbar = types.SimpleNamespace(fp=devnull, n=3, out=sys.stderr)
fine = {"stdout": sys.stdout, "stderr": sys.stderr, "numbers": list(range(1000))}
roots = [("global 'db'", db), ("global 'packer'", packer), ("global 'cfg'", cfg), ("global 'fine'", fine),
         ("frame train() local 'pbar'", pbar), ("frame train() local 'copy'", packer)]

problems = graph.find_unpicklable_objects(roots, ns)
found = [(p, t) for p, t, _, _ in problems]
expect(found == [("global 'db'", "sqlite3.Connection"), ("global 'packer'", "zlib.Compress"),
                 ("global 'cfg'['conns'][1]", "socket.socket"),
                 ("frame train() local 'pbar'.fp", "_io.TextIOWrapper(/dev/null)")], f"found {found}")
expect(all(reason for _, _, reason, _ in problems), "a problem without a reason")
expect([o for *_, o in problems] == [db, packer, sock, devnull], "objects are not the offending ones")
expect(graph.find_unpicklable(roots, ns) == [t[:3] for t in problems], "find_unpicklable differs")
expect(len(graph.find_unpicklable(roots, ns, limit=2)) == 2, "limit ignored")

# Placeholders: the same session pickles once the offending objects are set aside.
placeholders = {id(o): p for p, _, _, o in problems}
state = {"db": db, "packer": packer, "cfg": cfg, "fine": fine, "pbar": pbar}
data = graph.dumps(state, ns, placeholders=placeholders)
back = graph.loads(data, ns)
u = back["db"]
expect(type(u) is graph.Unsaved, f"db came back as {type(u)}")
expect(repr(u) == "<unsaved sqlite3.Connection: global 'db'>", f"repr {u!r}")
expect(back["cfg"]["conns"][1] is back["cfg"]["again"][0], "placeholder identity lost")
expect(back["fine"]["stdout"] is sys.stdout and back["pbar"].out is sys.stderr, "std streams not by reference")
expect(back["pbar"].n == 3 and type(back["pbar"].fp) is graph.Unsaved, "pbar differs")
message = ("global 'db' was a sqlite3.Connection that could not be saved (suspended with --skip-unsaveable); "
           "recreate it")
for action, use in [("attribute", lambda: u.execute), ("call", lambda: u()), ("iteration", lambda: iter(u)),
                    ("item", lambda: u[0]), ("bool", lambda: bool(u)), ("len", lambda: len(u)),
                    ("setattr", lambda: setattr(u, "x", 1)), ("with", lambda: u.__enter__()),
                    ("arithmetic", lambda: u + 1), ("contains", lambda: 1 in u)]:
    try:
        use()
        failures.append(f"{action} on a placeholder did not raise")
    except graph.UnsavedObjectError as e:
        expect(str(e) == message, f"{action}: message {e}")
        expect(isinstance(e, RuntimeError), "not a RuntimeError")
expect(suspendable.UnsavedObjectError is graph.UnsavedObjectError, "suspendable.UnsavedObjectError missing")
expect(not hasattr(u, "__array__") and not hasattr(u, "_repr_html_"), "probes should see no attribute")
expect(isinstance(u, graph.Unsaved) and not isinstance(u, sqlite3.Connection), "isinstance broken")
again = graph.loads(graph.dumps(u, ns), ns)
expect(repr(again) == repr(u), "a placeholder does not pickle as itself")
expect(repr(pickle.loads(pickle.dumps(u))) == repr(u), "plain pickle of a placeholder")
expect(graph.find_unpicklable_objects([("global 'u'", u)], ns) == [], "a placeholder is reported")

for f in failures:
    print("FAIL", f)
if not failures:
    print("all unsaveable checks passed")
