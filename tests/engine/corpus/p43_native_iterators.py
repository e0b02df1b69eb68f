# corpus: small
# covers: native consumers (list, tuple, sorted, str.join, list.extend, any, all, next) driving map(f, ...) and
#         iterators with a Python __next__: a request inside f or __next__ is served at once; a map over a map
#         (the inner one calls f too) waits
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

def heavy(x):
    total = 0
    for k in range(3):
        total += x * k
        tick()
    if x == -1:
        raise StopIteration
    return total

class Countdown:
    def __init__(self, n): self.n = n
    def __iter__(self): return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        tick()
        return self.n * 10

class Squares:
    def __init__(self, n): self.i, self.n = 0, n
    def __next__(self):
        self.i += 1
        tick()
        if self.i > self.n:
            raise StopIteration
        return self.i * self.i

print("list(map)", list(map(heavy, [1, 2, 3])))
print("tuple(map2)", tuple(map(lambda a, b: heavy(a) + b, range(3), [10, 20, 30])))
print("sorted(map)", sorted(map(heavy, [3, 1, 2]), reverse=True))
print("join(map)", "-".join(map(lambda v: str(heavy(v)), (4, 5))))
acc = [0]
acc.extend(map(heavy, {7: 1, 8: 2}))
print("extend", acc)
print("any", any(map(heavy, [0, 0, 5, 6])), "all", all(map(heavy, [1, 0, 2])))
print("stop", list(map(heavy, [1, -1, 2])))
m = map(heavy, [9, 10])
print("next", next(m), next(m), next(m, "dflt"))
print("list(iter)", list(Countdown(4)))
print("sorted(iter)", sorted(Countdown(3)))
sq = Squares(3)
print("next(sq)", next(sq), next(sq), next(sq), next(sq, None))
print("any(iter)", any(Countdown(3)), "tuple", tuple(Countdown(2)))
nested = list(map(heavy, map(heavy, [1, 2])))
print("nested", nested)
