# corpus: checkpoint
# covers: suspendable.checkpoint(path) called repeatedly inside a loop in a nested frame (returns False while
#         running, True when the program is resumed from that snapshot), checkpoint at module level
try:
    import suspendable
except ImportError:  # reference run under plain python3.11
    class suspendable:
        @staticmethod
        def checkpoint(path):
            return False

        @staticmethod
        def suspend(path):
            return None
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def crunch(n):
    acc = 0
    hist = []
    for i in range(n):
        acc = (acc * 31 + i) % 1009
        hist.append(acc)
        if i % 4 == 3:
            r = suspendable.checkpoint("cp_loop.snap")
            print("after checkpoint cp_loop.snap: resumed=%s" % r)
        print("crunch", i, acc)
        tick()
    return acc, hist


state = {"phase": 1}
acc, hist = crunch(10)
state["phase"] = 2
r = suspendable.checkpoint("cp_module.snap")
print("after checkpoint cp_module.snap: resumed=%s" % r)
for j in range(4):
    state[j] = acc + j
    print("post", j, state[j])
print("final", state, hist[-3:])
