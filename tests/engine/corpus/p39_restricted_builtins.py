# corpus: small
# covers: code run with restricted builtins as its first frames (exec/eval with {"__builtins__": {}}, as
#         collections.namedtuple does): the engine's own imports must not depend on the running frame's
#         builtins; lambdas whose globals are such a dict, called later; namedtuple built mid-run
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


ns = {"__builtins__": {}}
exec("a = 1\nb = a + 1\nc = b + 1", ns)
print("exec", ns["c"])
inc = eval("lambda v: v + 1", {"__builtins__": {}})
scale = eval("lambda v, k=3: (v *\n k)", {"__builtins__": {}, "unused": 0})
print("eval", inc(2), scale(4))
total = 0
for i in range(6):
    total = inc(total)
    total = scale(total, 2)
    tick()
    print("step", i, total)
from collections import namedtuple
P = namedtuple("P", "x y")
print("namedtuple", P(inc(1), scale(2)), P._make([5, 6])._replace(y=inc(9)))
print("done", total)
