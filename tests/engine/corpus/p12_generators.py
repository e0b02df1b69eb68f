# corpus: small
# covers: generators driven by for, suspended generators held in variables, yield from (delegation and return
#         value), send(), throw(), close() with finally, unstarted generators, yield inside try/except
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def countdown(n):
    while n > 0:
        tick()
        yield n
        n -= 1
    return "liftoff"


def delegator():
    r = yield from countdown(3)
    print("  delegated result", r)
    yield r
    yield from ["x", "y"]


def accumulator():
    total = 0
    try:
        while True:
            v = yield total
            if v is None:
                continue
            total += v
    finally:
        print("  accumulator closed at", total)


def guarded():
    for i in range(5):
        try:
            yield i
        except ValueError as e:
            print("  guarded got", e)
            yield -i


for v in countdown(4):
    print("countdown", v)
for v in delegator():
    print("delegator", v)

acc = accumulator()
print("primed", next(acc))
for k in (5, None, 7, 1):
    print("send", k, acc.send(k))
acc.close()

g = guarded()
print("guarded", next(g), next(g))
print("throw", g.throw(ValueError("boom")))
print("after throw", next(g))

held = countdown(3)
unstarted = countdown(2)
print("held first", next(held))
print("between")
print("held rest", list(held))
print("unstarted", list(unstarted))


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


fg = fib()
out = []
for x in fg:
    if x > 100:
        break
    out.append(x)
print("fib", out, "next after break", next(fg))
