# corpus: small
# covers: generator pipelines driven by for (a running generator inside a running generator: consumer frames sit in
#         FOR_ITER), genexpr feeding a generator, generator with state across yields, generator closed early
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def source(n):
    for i in range(n):
        tick()
        yield i


def scale(it, k):
    for v in it:
        w = v * k
        yield w


def window(it, size):
    buf = []
    for v in it:
        buf.append(v)
        if len(buf) > size:
            buf.pop(0)
        if len(buf) == size:
            yield tuple(buf)


def running_mean(it):
    total = 0
    n = 0
    for v in it:
        n += 1
        total += sum(v)
        yield round(total / n, 6)


for m in running_mean(window(scale(source(12), 3), 3)):
    print("mean", m)
evens = (x for x in source(20) if x % 2 == 0)
for w in window(evens, 2):
    print("evens window", w)
    if w[1] > 12:
        break
pipe = scale((c for c in "abc"), 2)
print("strings", list(pipe))
