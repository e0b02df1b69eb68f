# corpus: checkpoint
# covers: suspendable.suspend(path) inside a nested call (saves and exits 75; resume continues after the call),
#         twice in one program; the reference run treats it as a no-op
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


def stage(name, n):
    total = 0
    for i in range(n):
        total += i * len(name)
        print(name, i, total)
        if i == n // 2:
            suspendable.suspend("p31_suspend_api.snap")
            print(name, "continues after suspend")
        tick()
    return total


a = stage("first", 6)
b = stage("second", 5)
print("totals", a, b)
