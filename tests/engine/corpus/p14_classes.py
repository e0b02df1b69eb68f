# corpus: small
# covers: classes defined in the script, inheritance, super(), methods, classmethods, staticmethods, class attributes,
#         properties with setter doing work, __repr__/__str__, isinstance, instances in lists
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class Shape:
    created = 0

    def __init__(self, name):
        self.name = name
        Shape.created += 1

    def area(self):
        return 0

    def describe(self):
        a = self.area()
        return "%s area=%.2f" % (self.name, a)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)

    @classmethod
    def count(cls):
        return cls.created

    @staticmethod
    def unit():
        return 1.0


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self._w = w
        self.h = h

    @property
    def w(self):
        tick()
        return self._w

    @w.setter
    def w(self, value):
        if value < 0:
            value = -value
        self._w = value

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)
        self.name = "square"

    def describe(self):
        base = super().describe()
        return base + " (square)"


shapes = [Rect(2, 3), Square(4), Shape("blob"), Rect(1.5, 2)]
for s in shapes:
    print(repr(s), s.describe(), isinstance(s, Rect))
shapes[0].w = -10
print("after setter", shapes[0].w, shapes[0].area())
print("count", Shape.count(), Square.count(), Shape.unit())
total = 0
for s in sorted(shapes, key=lambda s: s.area()):
    total += s.area()
    print("sorted", s, total)


class Labelled(Square):
    # Methods bound through super() held in a local and on the stack of a multi-line call: they must
    # stay bound to the base class's function (not re-looked-up on the instance, which finds this override).
    def describe(self, suffix=""):
        parent = super().describe
        tick()
        text = super(Square, self).describe(
            ) + "|" + parent(
            ) + suffix
        return text + " (labelled %s)" % parent.__func__.__qualname__


lab = Labelled(3)
for i in range(3):
    print("labelled", i, lab.describe(
        suffix="#%d" % i))
