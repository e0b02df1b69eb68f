# corpus: small
# covers: builtins that run one Python hook of their argument, continued on resume: str() through __str__ or
#         (no __str__) __repr__, repr(), f-string-free formatting via str(), len() through __len__ (bool and
#         int subclasses as lengths, negative and non-int results as errors), setattr()/delattr() through
#         __setattr__/__delattr__, a property setter/deleter and a descriptor's __set__/__delete__, and hooks
#         whose results the builtins reject (TypeError / ValueError raised at the same point), print() of
#         objects with __str__ / only __repr__ among other arguments (sep=, end=, file=, flush=), a print
#         whose __str__ raises halfway through the line
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __str__(self):
        tick()
        whole, part = divmod(self.cents, 100)
        return "$%d.%02d" % (whole, part)

    def __repr__(self):
        tick()
        return "Money(%d)" % self.cents


class OnlyRepr:
    def __repr__(self):
        tick()
        return "<only repr>"


class Bag:
    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        tick()
        n = 0
        for _ in self.items:
            n += 1
        return n


class Weird:
    def __init__(self, value):
        self.value = value

    def __len__(self):
        tick()
        return self.value

    def __str__(self):
        tick()
        return self.value


class Audited:
    def __init__(self):
        object.__setattr__(self, "trail", [])

    def __setattr__(self, name, value):
        tick()
        self.trail.append("set " + name)
        object.__setattr__(self, name, value)
        return "ignored"

    def __delattr__(self, name):
        tick()
        self.trail.append("del " + name)
        object.__delattr__(self, name)


class Positive:
    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __set__(self, obj, value):
        tick()
        if value < 0:
            raise ValueError("negative " + self.name)
        obj.__dict__[self.name] = value

    def __get__(self, obj, owner=None):
        return obj.__dict__.get(self.name, 0)

    def __delete__(self, obj):
        tick()
        obj.__dict__.pop(self.name, None)


class Account:
    balance = Positive()

    def __init__(self):
        self._owner = "nobody"

    @property
    def owner(self):
        return self._owner

    @owner.setter
    def owner(self, v):
        tick()
        self._owner = v.title()

    @owner.deleter
    def owner(self):
        tick()
        self._owner = "deleted"


def main():
    prices = [Money(c) for c in (5, 199, 12345)]
    print("str", [str(p) for p in prices], "repr", [repr(p) for p in prices])
    print("only repr", str(OnlyRepr()), repr(OnlyRepr()))
    print("len", len(Bag("abc")), len(Bag([])), len(Weird(True)))
    for bad in (Weird(-1), Weird("x"), Weird(2 ** 70)):
        try:
            print("len?", len(bad))
        except (ValueError, TypeError, OverflowError) as e:
            print("len error", type(e).__name__, e)
    try:
        str(Weird(3))
    except TypeError as e:
        print("str error", e)
    a = Audited()
    for name in ("x", "y", "z"):
        setattr(a, name, name * 2)
    delattr(a, "y")
    print("audited", a.trail, sorted(k for k in vars(a) if k != "trail"))
    acct = Account()
    setattr(acct, "owner", "ada lovelace")
    setattr(acct, "balance", 10)
    print("account", acct.owner, acct.balance)
    try:
        setattr(acct, "balance", -5)
    except ValueError as e:
        print("refused", e)
    delattr(acct, "owner")
    delattr(acct, "balance")
    print("after del", acct.owner, acct.balance)
    print("printed", prices[0], 7, OnlyRepr(), prices[2])
    print(prices[1], prices[2], sep=" | ", end=" <end>\n", flush=True)
    import io
    buf = io.StringIO()
    print("into buffer", prices[0], OnlyRepr(), file=buf, sep=",")
    print("buffer held", repr(buf.getvalue()))
    try:
        print("before", Weird(4), "never")
    except TypeError as e:
        print()
        print("print error", e)


main()
