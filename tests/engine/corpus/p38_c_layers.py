# corpus: small
# covers: more C layers emulated on resume: the normal-path __exit__ of with blocks, instance and metaclass
#         __call__ (slot_tp_call), functools.partial, bound methods stored and called, class calls through
#         f(*args, **kwargs), __setattr__/__delattr__, descriptor __set__/__delete__, property setter and
#         deleter, __setitem__/__delitem__, unary -/+/~ dunders, isinstance/issubclass with Python hooks,
#         class bodies run by __build_class__ (super() cell, metaclass= and class keywords, nested classes),
#         an object whose Python __reduce__ cannot save it half-built (not a safe point until __init__ ends)
import functools, os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


log = []


class Session:
    def __init__(self, name):
        self.name = name
        self.depth = 0

    def __enter__(self):
        self.depth += 1
        return self

    def __exit__(self, *exc):
        self.depth -= 1
        note = "exit %s %s" % (self.name, exc[0].__name__ if exc[0] else "ok")
        log.append(note)
        tick()
        return False


class Scaler:
    def __init__(self, k):
        self.k = k

    def __call__(self, v, bias=0):
        out = v * self.k
        out += bias
        return out


class Registry(type):
    made = []

    def __call__(cls, *args):
        Registry.made.append(cls.__name__)
        obj = super().__call__(*args)
        obj.serial = len(Registry.made)
        return obj


class Widget(metaclass=Registry):
    def __init__(self, label):
        self.label = label
        self.size = len(label)


def combine(a, b, sep="-"):
    parts = [str(a), str(b)]
    joined = sep.join(parts)
    return joined


class Positive:
    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __set__(self, obj, value):
        if value < 0:
            value = -value
        obj.__dict__[self.name] = value

    def __get__(self, obj, owner=None):
        return obj.__dict__.get(self.name, 0)

    def __delete__(self, obj):
        old = obj.__dict__.pop(self.name, None)
        log.append("deleted %s=%s" % (self.name, old))


class Account:
    balance = Positive()

    def __init__(self):
        self._history = []

    def __setattr__(self, name, value):
        if not name.startswith("_"):
            self.__dict__.setdefault("_changes", 0)
            self.__dict__["_changes"] += 1
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        log.append("delattr %s" % name)
        object.__delattr__(self, name)

    @property
    def owner(self):
        return self.__dict__.get("_owner", "nobody")

    @owner.setter
    def owner(self, value):
        cleaned = value.strip().title()
        self.__dict__["_owner"] = cleaned

    @owner.deleter
    def owner(self):
        self.__dict__.pop("_owner", None)
        log.append("owner deleted")


class Table:
    def __init__(self):
        self.rows = {}

    def __setitem__(self, key, value):
        total = sum(value)
        self.rows[key] = (value, total)

    def __delitem__(self, key):
        value = self.rows.pop(key)
        log.append("dropped %s" % (value,))


class Angle:
    def __init__(self, deg):
        self.deg = deg % 360

    def __neg__(self):
        flipped = 360 - self.deg
        return Angle(flipped)

    def __pos__(self):
        tick()
        return Angle(self.deg)

    def __invert__(self):
        mirrored = (180 - self.deg) % 360
        return Angle(mirrored)


class Duck(type):
    def __instancecheck__(cls, obj):
        quacks = hasattr(obj, "quack")
        return quacks

    def __subclasscheck__(cls, sub):
        found = any("quack" in vars(k) for k in sub.__mro__)
        return 1 if found else 0


class Quacker(metaclass=Duck):
    pass


class Mallard:
    def quack(self):
        return "quack"


class Fragile:
    """Its __reduce__ reads attributes __init__ sets late: it cannot be saved half-built."""
    def __init__(self, a, b):
        self.a = a
        pair = (a, b)  # (no tick(): unpickling re-runs __init__ before the module's globals exist)
        self.b = pair[1]

    def __reduce__(self):
        return (Fragile, (self.a, self.b))


class Tagged(type):
    def __new__(mcls, name, bases, ns, tag=None):
        ns["tag"] = tag
        return super().__new__(mcls, name, bases, ns)


def build_classes(n):
    made = []
    for i in range(n):
        class Base:
            kind = "base%d" % i

            def describe(self):
                return self.kind

        class Child(Base, metaclass=Tagged, tag="t%d" % i):
            extra = i * 2
            doubled = extra * 2

            def describe(self):
                inner = super().describe()
                return inner + "+child"

            class Inner:
                level = i
        made.append((Child.tag, Child.extra, Child().describe(), Child.Inner.level))
    return made


def main():
    for i in range(3):
        with Session("s%d" % i) as s:
            log.append("body %d depth %d" % (i, s.depth))
        try:
            with Session("e%d" % i):
                raise KeyError(i)
        except KeyError:
            log.append("caught %d" % i)
    print("with", log)
    del log[:]
    scale = Scaler(3)
    bound = scale.__call__
    half = functools.partial(combine, sep="+")
    first = functools.partial(combine, "x")
    print("call", scale(4), scale(5, bias=1), bound(2), half(1, 2), first("y"), first(b="z"))
    args, kwargs = ("gadget",), {}
    widgets = [Widget(*args, **kwargs), Widget("knob"), Scaler(*[7])(1)]
    print("widgets", [(w.label, w.size, w.serial) for w in widgets[:2]], widgets[2], Registry.made)
    acct = Account()
    acct.balance = -40
    acct.owner = "  ada lovelace "
    acct.note = "vip"
    print("account", acct.balance, acct.owner, acct.note, acct._changes)
    del acct.balance
    del acct.owner
    del acct.note
    print("deleted", acct.balance, acct.owner, log)
    del log[:]
    t = Table()
    for k in range(3):
        t[k] = [k, k + 1, k + 2]
    del t[1]
    print("table", t.rows, log)
    a = Angle(30)
    print("angles", (-a).deg, (+a).deg, (~a).deg, (-(~a)).deg)
    print("ducks", isinstance(Mallard(), Quacker), isinstance(3, Quacker), issubclass(Mallard, Quacker),
          issubclass(int, Quacker))
    f = Fragile(1, [2, 3])
    print("fragile", f.a, f.b, f.__reduce__()[1])
    print("classes", build_classes(3))


main()
