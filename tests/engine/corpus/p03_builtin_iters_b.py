# corpus: small
# covers: for over enumerate, zip, reversed(list/range/dict), map, filter (Python lambdas), iter(callable, sentinel),
#         iter(seq), deque, dict.items() of a copy, str.split, sorted(); iterators advanced by next() before the loop
import os, time
from collections import deque
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

words = ["alpha", "beta", "gamma", "delta"]

for i, w in enumerate(words, start=1):
    print("enumerate", i, w)

for a, b, c in zip(words, range(100, 104), "wxyz"):
    print("zip", a, b, c)
    tick()

for w in reversed(words):
    print("reversed", w)
for i in reversed(range(3)):
    print("reversed range", i)
for k in reversed({"x": 1, "y": 2}):
    print("reversed dict", k)

for n in map(lambda s: len(s) * 3, words):
    print("map", n)

for w in filter(lambda s: "l" in s, words):
    print("filter", w)

state = [0]
def gen_next():
    state[0] += 1
    return state[0] * state[0]

for sq in iter(gen_next, 49):
    print("iter-sentinel", sq)
    tick()

it = iter([9, 8, 7, 6, 5])
print("pre-advanced", next(it))
for v in it:
    print("iter(list)", v)

dq = deque([1, 2, 3])
dq.appendleft(0)
for v in dq:
    print("deque", v)

for part in "a,b,,c".split(","):
    print("split", repr(part))

def pairs():
    total = 0
    for x, y in zip(map(lambda v: v + 1, range(5)), filter(lambda v: v % 2, range(10))):
        total += x * y
        print("zip-map-filter", x, y, total)
    return total

print("pairs", pairs())
