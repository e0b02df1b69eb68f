# corpus: small
# covers: classes with __iter__/__next__ driven by for (tp_iternext calls Python), __iter__ implemented as a
#         generator, iterators held across loops, StopIteration handling, sequence protocol via __getitem__ only
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        tick()
        return self.n


class Tree:
    def __init__(self, value, *kids):
        self.value = value
        self.kids = kids

    def __iter__(self):
        yield self.value
        for k in self.kids:
            yield from k


class Squares:
    def __getitem__(self, i):
        if i >= 6:
            raise IndexError(i)
        return i * i


for v in Countdown(5):
    print("countdown", v)
t = Tree(1, Tree(2, Tree(4)), Tree(3, Tree(5), Tree(6)))
for v in t:
    print("tree", v)
for s in Squares():
    print("squares", s)
cd = Countdown(6)
for v in cd:
    if v == 3:
        break
print("partial", v)
for v in cd:
    print("rest", v)
it = iter(t)
print("manual", next(it), next(it))
print("remaining", list(it))
print("zip custom", list(zip(Countdown(3), Squares())))
