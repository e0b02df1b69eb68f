# corpus: small
# covers: map/filter driven by for with Python lambdas and functions (C calling Python per item), nested map over
#         filter, sorted(key=) / min(key=) / max(key=) / re.sub(callback) (stateful native: may defer),
#         functools.reduce, list(gen)
import functools
import re
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def heavy(x):
    tick()
    y = x * 3
    y = y % 17
    return y


def odd(x):
    return x % 2 == 1


def keyfn(s):
    k = (len(s), s[::-1])
    return k


total = 0
for v in map(heavy, range(10)):
    total += v
    print("map", v, total)
for v in filter(odd, map(lambda x: x * x + 1, range(8))):
    print("filter-map", v)
for v in map(lambda a, b: a * b, filter(lambda z: z > 2, range(6)), range(10, 20)):
    print("map2", v)
words = ["kiwi", "fig", "banana", "apple", "date", "plum"]
print("sorted", sorted(words, key=keyfn))
print("min/max", min(words, key=keyfn), max(words, key=lambda w: (w.count("a"), w)))
print("reduce", functools.reduce(lambda a, b: a * 2 + b, map(heavy, range(6)), 0))
print("list(gen)", list(heavy(i) for i in range(5)))
print("list(map)", list(map(heavy, [100, 200])))


def bump(m):
    n = int(m.group(0))
    return str(heavy(n))


print("re.sub", re.sub(r"\d+", bump, "a1 b22 c333 d4"))
