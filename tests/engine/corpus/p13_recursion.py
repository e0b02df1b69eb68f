# corpus: small
# covers: recursion of depth 60+ (suspend deep inside), mutual recursion, recursive tree build and traversal,
#         recursion with try/finally at each level
import os, sys, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def depth(n):
    if n == 0:
        tick()
        return [sys._getframe(i).f_code.co_name for i in range(3)]
    r = depth(n - 1)
    return r


def sum_to(n):
    if n == 0:
        return 0
    return n + sum_to(n - 1)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def build(lo, hi):
    if lo > hi:
        return None
    mid = (lo + hi) // 2
    return (build(lo, mid - 1), mid, build(mid + 1, hi))


def inorder(t, out):
    if t is None:
        return out
    inorder(t[0], out)
    out.append(t[1])
    tick()
    inorder(t[2], out)
    return out


def guarded(n, log):
    try:
        if n % 2:
            tick()
        if n == 0:
            raise LookupError("bottom")
        return guarded(n - 1, log)
    finally:
        if n % 10 == 0:
            log.append(n)


print("depth", depth(62))
print("sum_to", sum_to(70))
print("even", is_even(55), is_odd(55))
tree = build(1, 15)
print("inorder", inorder(tree, []))
log = []
try:
    guarded(55, log)
except LookupError as e:
    print("guarded", e, log)
