# corpus: small
# covers: operator dunders called from C slots: __add__, __radd__, __sub__, __mul__, __eq__, __lt__ (via sorted),
#         __hash__ (dict keys), __getitem__/__setitem__/__len__/__contains__, __call__, __bool__, __iadd__, __neg__
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class Vec:
    def __init__(self, *xs):
        self.xs = tuple(xs)

    def __add__(self, other):
        if isinstance(other, int):
            other = Vec(*([other] * len(self.xs)))
        tick()
        out = []
        for a, b in zip(self.xs, other.xs):
            out.append(a + b)
        return Vec(*out)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-other)

    def __neg__(self):
        return Vec(*[-x for x in self.xs])

    def __mul__(self, k):
        tick()
        return Vec(*[x * k for x in self.xs])

    def __eq__(self, other):
        same = isinstance(other, Vec)
        return same and self.xs == other.xs

    def __hash__(self):
        return hash(self.xs)

    def __lt__(self, other):
        return sum(self.xs) < sum(other.xs)

    def __getitem__(self, i):
        v = self.xs[i]
        return v

    def __len__(self):
        return len(self.xs)

    def __bool__(self):
        return any(self.xs)

    def __repr__(self):
        return "Vec%r" % (self.xs,)


class Grid:
    def __init__(self, n):
        self.cells = {}
        self.n = n

    def __setitem__(self, key, value):
        r, c = key
        self.cells[(r % self.n, c % self.n)] = value

    def __getitem__(self, key):
        r, c = key
        return self.cells.get((r % self.n, c % self.n), 0)

    def __contains__(self, key):
        return (key[0] % self.n, key[1] % self.n) in self.cells

    def __call__(self, r):
        return [self[r, c] for c in range(self.n)]


a, b = Vec(1, 2, 3), Vec(4, 5, 6)
acc = Vec(0, 0, 0)
for i in range(4):
    acc += a * i - b
    print("acc", acc, acc[0], len(acc), bool(acc))
print("radd", 10 + a, "eq", a + b == Vec(5, 7, 9), a == b)
counts = {}
for v in [a, b, Vec(1, 2, 3), a + 0]:
    counts[v] = counts.get(v, 0) + 1
print("hash", sorted(counts.values()))
print("sorted", sorted([b, a, Vec(-5, 0, 0)]))
g = Grid(3)
for r in range(4):
    for c in range(2):
        g[r, c] = r * 10 + c
print("grid rows", [g(r) for r in range(3)], (1, 1) in g, (2, 2) in g)
print("min", min([b, a]), "sum", sum([a, b], Vec(0, 0, 0)))
