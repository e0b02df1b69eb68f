# corpus: small
# covers: __init__ doing real work (loops, calls, nested construction), __new__, super().__init__ chains,
#         __init__ raising and being caught, __post-construction hooks, class call from a comprehension
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class Node:
    def __init__(self, value, children=0):
        self.value = value
        self.kids = []
        for i in range(children):
            self.kids.append(Node(value * 10 + i))
        tick()
        self.size = 1 + sum(k.size for k in self.kids)


class Base:
    def __init__(self, tag):
        self.log = ["base:" + tag]


class Mid(Base):
    def __init__(self, tag):
        super().__init__(tag)
        self.log.append("mid")


class Leaf(Mid):
    def __init__(self, tag, n):
        super().__init__(tag)
        total = 0
        for i in range(n):
            total += i * i
            tick()
        self.total = total
        self.log.append("leaf:%d" % total)


class Interned:
    _cache = {}

    def __new__(cls, key):
        obj = cls._cache.get(key)
        if obj is None:
            obj = super().__new__(cls)
            obj.hits = 0
            cls._cache[key] = obj
        obj.hits += 1
        return obj

    def __init__(self, key):
        self.key = key


class Picky:
    def __init__(self, v):
        if v < 0:
            raise ValueError("negative %d" % v)
        self.v = v


tree = Node(1, 3)
print("tree", tree.size, [k.value for k in tree.kids])
for n in range(4):
    obj = Leaf("t%d" % n, n + 2)
    print("leaf", obj.total, obj.log)
a, b, c = Interned("x"), Interned("y"), Interned("x")
print("interned", a is c, a.hits, b.hits)
objs = []
for v in (3, -1, 4):
    try:
        objs.append(Picky(v))
    except ValueError as e:
        print("picky", e)
print("objs", [o.v for o in objs], [Node(i).size for i in range(3)])
