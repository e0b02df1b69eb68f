# corpus: small
# covers: classes with a Python __new__ called through f(*args, **kwargs) (a factory wrapper, `C(*fields)`
#         with a list from starred unpacking): the request inside __new__ is served and the rest of the
#         class call (isinstance check, __init__ with the same arguments) runs on resume; namedtuple
#         subclasses whose own __new__ takes other arguments than their fields (saved without calling it
#         again), inspect.getouterframes (FrameInfo's __new__), and a __new__ returning another type's object
import collections
import inspect
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


class Money(collections.namedtuple("Money", "amount currency")):
    made = 0

    def __new__(cls, amount, currency="EUR", *, note=None):
        tick()
        cents = round(amount * 100)
        Money.made += 1
        self = super().__new__(cls, cents / 100, currency)
        print("new money", self.amount, currency, note, Money.made)
        return self

    def __add__(self, other):
        return Money(self.amount + other.amount, self.currency)


class Point(collections.namedtuple("Point", "x y")):
    __slots__ = ()

    def __new__(cls, text):  # not the fields: pickle's way would call Point.__new__(cls, x, y)
        tick()
        x, y = (int(v) for v in text.split(","))
        return super().__new__(cls, x, y)


class Tracked:
    log = []

    def __new__(cls, *args, **kwargs):
        tick()
        obj = super().__new__(cls)
        Tracked.log.append(("new", len(args), tuple(sorted(kwargs))))
        return obj

    def __init__(self, a, b=0, **extra):
        tick()
        Tracked.log.append(("init", a, b))
        self.total = a + b + sum(extra.values())


class Shape:
    def __new__(cls, sides):
        tick()
        if sides == 0:
            return "a circle"  # not an instance: __init__ is not called
        return super().__new__(cls)

    def __init__(self, sides):
        tick()
        self.sides = sides


def make(cls, *args, **kwargs):
    tick()
    return cls(*args, **kwargs)


def where():
    tick()
    infos = inspect.getouterframes(inspect.currentframe(), context=0)
    return [(i.function, i.lineno - where.__code__.co_firstlineno) for i in infos][:2]


def fields():
    tick()
    first, *rest = [1.234, "USD"]
    return Money(*[first] + rest), make(Money, *rest[:0] or [first], note="starred")


def main():
    total = Money(0)
    points = []
    for i in range(4):
        m = make(Money, i + 0.555, note="n%d" % i)
        t = make(Tracked, i, b=2, c=3)
        total = total + m
        points.append(make(Point, "%d,%d" % (i, i * i)))
        s = make(Shape, i % 2 * 4)
        print(i, m, t.total, total, points[-1], s if isinstance(s, str) else s.sides, where())
    print(fields())
    print(Tracked.log[-4:], len(Tracked.log), Money.made)
    print(sorted(points, key=lambda p: -p.y)[:2], Point("7,8")._replace(x=1))


if __name__ == "__main__":
    main()
