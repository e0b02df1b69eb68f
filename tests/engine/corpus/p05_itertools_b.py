# corpus: small
# covers: itertools groupby, accumulate (with Python func), tee, zip_longest, starmap, takewhile, dropwhile,
#         compress, pairwise, filterfalse, batched-by-islice
import itertools as it
import operator
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

data = [1, 1, 2, 3, 3, 3, 4, 1, 1]


def run():
    for key, grp in it.groupby(data):
        items = list(grp)
        print("groupby", key, items)
    for key, grp in it.groupby("aaBBbc", key=str.lower):
        print("groupby-key", key, "".join(grp))
    for s in it.accumulate(data):
        print("accumulate", s)
    for s in it.accumulate(data, lambda a, b: a * 2 - b):
        print("accumulate-fn", s)
        tick()
    a, b = it.tee(range(5))
    next(a)
    for x, y in zip(a, b):
        print("tee", x, y)
    for x, y in it.zip_longest("abc", [1], fillvalue="-"):
        print("zip_longest", x, y)
    for v in it.starmap(pow, [(2, 5), (3, 2), (10, 3)]):
        print("starmap", v)
    for v in it.starmap(lambda p, q: p - q, [(9, 1), (4, 4)]):
        print("starmap-lambda", v)
    for v in it.takewhile(lambda x: x < 3, data):
        print("takewhile", v)
    for v in it.dropwhile(lambda x: x < 3, data):
        print("dropwhile", v)
        tick()
    for v in it.compress("ABCDEF", [1, 0, 1, 0, 1, 1]):
        print("compress", v)
    for p, q in it.pairwise([1, 4, 9, 16]):
        print("pairwise", p, q, q - p)
    for v in it.filterfalse(lambda x: x % 2, range(8)):
        print("filterfalse", v)
    src = iter(range(10))
    while True:
        chunk = list(it.islice(src, 3))
        if not chunk:
            break
        print("chunk", chunk, sum(chunk))
    for v in map(operator.mul, range(3), range(3, 6)):
        print("map-operator", v)


run()
