# corpus: small
# covers: the recursion depth a program sees (what sys.setrecursionlimit's "too low" error reports), at the
#         module level, inside nested calls, in a recursive function and after changing the limit: the same as
#         under python3.11 when run and after a resume (the engine's own frames below the program do not count)
import os
import sys
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def depth_now():
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(1)
    except RecursionError as e:
        return int(str(e).split("recursion depth ")[1].split(":")[0])
    finally:
        sys.setrecursionlimit(limit)
    return None


def nested(k):
    tick()
    if k == 0:
        here = depth_now()
        print("depth at the bottom:", here)
        return here
    below = nested(k - 1)
    print("depth", k, "sees", below, depth_now())
    return below


def countdown(n, seen):
    seen.append(depth_now())
    if n:
        countdown(n - 1, seen)
    return seen


print("module level:", depth_now())
nested(3)
print("recursive:", countdown(6, []))
sys.setrecursionlimit(500)
print("after setrecursionlimit(500):", depth_now(), nested(2))
sys.setrecursionlimit(1000)
print("limit", sys.getrecursionlimit(), "depth", depth_now())
