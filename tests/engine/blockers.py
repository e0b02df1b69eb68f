"""Tally why line events of a program are not capturable (a diagnostic for issue #3's deferral share).

Run under the engine's interpreter, which embeds _suspendable_engine:

    suspendable run tests/engine/blockers.py PROGRAM.py [ARGS...]

Every line event of PROGRAM (module bodies run by import left out, as tests/bench/bench_engine.py counts
them) asks the engine why the chain up to PROGRAM's module frame is not capturable; the reasons are
tallied with the native layer's name (locations stripped) and printed to stderr as
`[blockers] N reason` lines after `[blockers total T capturable C]`.
"""
import collections
import os
import re
import sys
import types

import _suspendable_engine as engine

path = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(path))
with open(path) as f:
    code = compile(f.read(), path, "exec")
main = types.ModuleType("__main__")
main.__file__ = path
main.__builtins__ = __builtins__
sys.modules["__main__"] = main
tally = collections.Counter()
counts = [0, 0]


def under_import(frame):
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def tracer(frame, event, arg):
    if event == "call" and under_import(frame):
        return None
    if event == "line":
        counts[0] += 1
        why = engine.describe_blocker(frame, code)
        if why is None:
            counts[1] += 1
        else:
            tally[why if os.environ.get("BLOCKERS_FULL") else re.sub(r" called at .*| at \S+:\d+ in \S+|^frame \S+ ", "", why)] += 1
    return tracer


sys.settrace(tracer)
try:
    engine.run_detached(code, main.__dict__)  # as suspendable run: no frames below __main__
except BaseException:
    pass
finally:
    sys.settrace(None)
    sys.stdout.flush()
    print("[blockers total %d capturable %d]" % tuple(counts), file=sys.stderr)
    for why, n in tally.most_common():
        print("[blockers] %d %s" % (n, why), file=sys.stderr)
