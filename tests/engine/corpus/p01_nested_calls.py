# corpus: small
# covers: nested calls of depth 7, positional/keyword/default/star arguments, multiple return values
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def leaf(x, scale=2):
    y = x * scale
    return y + 1


def level5(x, *rest, **kw):
    acc = leaf(x)
    for r in rest:
        acc += leaf(r, scale=kw.get("scale", 3))
    return acc


def level4(x):
    a = level5(x, x + 1, scale=4)
    b = level5(x - 1)
    return a - b


def level3(x):
    parts = []
    parts.append(level4(x))
    parts.append(level4(x + 2))
    return tuple(parts)


def level2(x):
    p, q = level3(x)
    tick()
    return p * 10 + q


def level1(n):
    out = []
    for i in range(n):
        v = level2(i)
        out.append(v)
        print("level1", i, v)
    return out


def top(n):
    res = level1(n)
    total = sum(res)
    print("top total", total)
    return total, len(res)


t, cnt = top(8)
print("result", t, cnt)
print("deep", level2(level2(1) % 7))
