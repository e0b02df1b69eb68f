"""Catalog of object kinds that must survive suspend/resume (tests/session/test_catalog.py runs it).

Usage: suspendable run --snapshot SNAP catalog.py WORKDIR
Builds every kind of object twice - once in a global, once in a local of the running function work() -
plus identity/sharing relations, calls suspendable.checkpoint(SNAP), then checks every object against a
freshly constructed expected value and prints one line per kind: `ok KIND` or `FAIL KIND: why`.
The first run checks too (after the snapshot is written), prefixing its lines with `pre `, which shows
that the expectations themselves hold; `suspendable resume SNAP` runs the same checks in a fresh process.
"""
# %pylab-style star imports first (they shadow builtins such as sum/max/round; restored below).
from numpy import *  # noqa: F401,F403
from pylab import *  # noqa: F401,F403
from builtins import *  # noqa: F401,F403

import abc
import array
import builtins
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import io
import ipaddress
import itertools
import json
import math
import operator
import os
import pathlib
import random
import re
import string
import sys
import types
import typing
import uuid
import weakref
import zoneinfo

import numpy as np
import pandas as pd

import suspendable

WORKDIR = sys.argv[1]
SNAP = os.path.join(WORKDIR, "catalog.snap")
import pylab  # noqa: E402

CASES = []  # (kind, make, check)


# ---------------------------------------------------------------- comparison helpers
def same(a, b):
    """None if a equals b (and has the same type), else why not."""
    if type(a) is not type(b):
        return f"type {type(a).__module__}.{type(a).__qualname__} != {type(b).__module__}.{type(b).__qualname__}"
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"dtype/shape {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.dtype.kind == "O" or a.dtype.names:
            ok = a.tolist() == b.tolist()
        else:
            ok = np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        return None if ok else f"values {a!r} != {b!r}"
    if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)):
        dtypes = (lambda x: list(x.dtypes)) if isinstance(a, pd.DataFrame) else (lambda x: [x.dtype])
        return None if a.equals(b) and dtypes(a) == dtypes(b) and (isinstance(a, pd.Index) or a.index.equals(b.index)) \
            else f"{a!r} != {b!r}"
    if isinstance(a, float) and math.isnan(a):
        return None if math.isnan(b) else f"{a!r} != {b!r}"
    if isinstance(a, (list, tuple)) and type(a) in (list, tuple):
        if len(a) != len(b):
            return f"len {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            why = same(x, y)
            if why:
                return f"[{i}]: {why}"
        return None
    try:
        ok = a == b
        if isinstance(ok, np.bool_):
            ok = bool(ok)
    except Exception as e:  # noqa: BLE001
        return f"== raised {type(e).__name__}: {e}"
    return None if ok is True else f"{a!r} != {b!r}"


def drain(a, b):
    """Iterators: same type and the same remaining items."""
    if type(a) is not type(b):
        return f"type {type(a).__qualname__} != {type(b).__qualname__}"
    return same(list(a), list(b))


def case(kind, check=same):
    def deco(make):
        CASES.append((kind, make, check))
        return make
    return deco


def simple(kind, make, check=same):
    CASES.append((kind, make, check))


def expect(cond, why):
    return None if cond else why


# ---------------------------------------------------------------- definitions used by the cases
def plain_function(a, b=2, *args, c=3, **kw) -> int:
    """doc"""
    return a + b + c + len(args) + len(kw)


plain_function.attr = "kept"


def make_counter(start):
    count = start

    def bump(step=1):
        nonlocal count
        count += step
        return count

    def peek():
        return count
    return bump, peek


def gen_numbers(n):
    total = 0
    for i in range(n):
        total += i
        got = yield i * i
        if got is not None:
            total += got
    return total


class Plain:
    kind = "plain"

    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def method(self, y):
        return self.x + y

    @staticmethod
    def static(y):
        return y * 2

    @classmethod
    def klass(cls, y):
        return (cls.kind, y)

    @property
    def double(self):
        return self.x * 2


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __eq__(self, other):
        return type(other) is type(self) and (self.a, self.b) == (other.a, other.b)


class Meta(type):
    def __new__(mcls, name, bases, ns):
        ns.setdefault("registered_by", "Meta")
        return super().__new__(mcls, name, bases, ns)

    def describe(cls):
        return f"{cls.__name__} by {cls.registered_by}"


class WithMeta(metaclass=Meta):
    value = 5


class NeedsArgs:
    def __new__(cls, a, b):
        self = super().__new__(cls)
        self.sum = a + b
        return self

    def __init__(self, a, b):
        self.pair = (a, b)

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__


class WithState:
    def __init__(self, v):
        self.v = v
        self.cache = {"transient": object()}

    def __getstate__(self):
        return {"v": self.v}

    def __setstate__(self, state):
        self.v = state["v"]
        self.cache = {}

    def __eq__(self, other):
        return type(other) is type(self) and other.v == self.v


class Outer:
    class Inner:
        def __init__(self, v):
            self.v = v

        def __eq__(self, other):
            return type(other) is type(self) and other.v == self.v


class MyList(list):
    def total(self):
        return builtins.sum(self)


class MyDict(dict):
    pass


class Base(abc.ABC):
    @abc.abstractmethod
    def area(self):
        ...


class Square(Base):
    def __init__(self, s):
        self.s = s

    def area(self):
        return self.s ** 2

    def __eq__(self, other):
        return type(other) is type(self) and other.s == self.s


class AppError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@functools.total_ordering
class Version:
    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return type(other) is type(self) and self.n == other.n

    def __lt__(self, other):
        return self.n < other.n


class WithCached:
    def __init__(self, n):
        self.n = n
        self.calls = 0

    @functools.cached_property
    def square(self):
        self.calls += 1
        return self.n * self.n


class WithPartialMethod:
    def set(self, key, value):
        return (key, value)
    set_a = functools.partialmethod(set, "a")


class Dispatch:
    @functools.singledispatchmethod
    def kind(self, arg):
        return "object"

    @kind.register
    def _(self, arg: int):
        return "int"


@functools.singledispatch
def describe(arg):
    return "object"


@describe.register
def _(arg: str):
    return "str"


@functools.lru_cache(maxsize=32)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def traced(f):
    @functools.wraps(f)
    def wrapper(*a, **k):
        return ("traced", f(*a, **k))
    return wrapper


@traced
def wrapped_add(a, b):
    return a + b


class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def label(self):
        return self.name.lower()


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 10


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


class Bits(enum.IntFlag):
    A = 1
    B = 2


@dataclasses.dataclass(order=True)
class Point:
    x: int
    y: int = 0
    tags: list = dataclasses.field(default_factory=list)

    def norm2(self):
        return self.x ** 2 + self.y ** 2


@dataclasses.dataclass(frozen=True)
class Frozen:
    name: str
    size: float = 1.0


@dataclasses.dataclass(slots=True)
class SlotPoint:
    x: int
    y: int


@dataclasses.dataclass(kw_only=True)
class KwOnly:
    a: int
    b: str = "b"


Pair = collections.namedtuple("Pair", "left right")
Cfg = collections.namedtuple("Cfg", ["host", "port"], defaults=[8080])


class Employee(typing.NamedTuple):
    name: str
    id: int = 3


class Movie(typing.TypedDict):
    title: str
    year: int


T = typing.TypeVar("T")
UserId = typing.NewType("UserId", int)


class Box(typing.Generic[T]):
    def __init__(self, item: T):
        self.item = item

    def __eq__(self, other):
        return type(other) is type(self) and other.item == self.item


@typing.runtime_checkable
class HasArea(typing.Protocol):
    def area(self) -> float:
        ...


# A class redefined after instances of it exist (a notebook re-running a cell).
class Redefined:
    version = 1

    def who(self):
        return "old"


OLD_INSTANCE = Redefined()
OldRedefined = Redefined


class Redefined:  # noqa: F811
    version = 2

    def who(self):
        return "new"


NEW_INSTANCE = Redefined()

DATA_FILE = os.path.join(WORKDIR, "lines.txt")
with open(DATA_FILE, "w") as f:
    f.write("".join(f"line {i}\n" for i in range(20)))
BIN_FILE = os.path.join(WORKDIR, "blob.bin")
with open(BIN_FILE, "wb") as f:
    f.write(bytes(range(256)))


def advanced(it, n=2):
    for _ in range(n):
        next(it)
    return it


def bound_method_check(a, b):
    return same(a.__self__, b.__self__) or expect(a.__func__ is b.__func__, "different function") or \
        expect(a(1) == b(1), "results differ")


def call_check(args):
    def check(a, b):
        if type(a) is not type(b):
            return f"type {type(a)} != {type(b)}"
        try:
            x, y = a(*args), b(*args)
        except Exception as e:  # noqa: BLE001
            return f"call raised {type(e).__name__}: {e}"
        return same(x, y)
    return check


def file_check(a, b):
    if type(a) is not type(b) or a.mode != b.mode or a.name != b.name:
        return f"{a!r} != {b!r}"
    return expect(a.tell() == b.tell(), f"position {a.tell()} != {b.tell()}") or same(a.read(), b.read())


def array_flags_check(a, b):
    return same(a, b) or expect(a.flags.writeable == b.flags.writeable, "writeable flag differs") or \
        expect(a.flags.c_contiguous == b.flags.c_contiguous and a.flags.f_contiguous == b.flags.f_contiguous,
               "contiguity differs")


# ---------------------------------------------------------------- builtins
simple("int", lambda: 42)
simple("int_big", lambda: 2 ** 200 + 7)
simple("int_negative", lambda: -(10 ** 30))
simple("float", lambda: 1.5e-300)
simple("float_nan", lambda: float("nan"))
simple("float_specials", lambda: (float("inf"), -float("inf"), -0.0),
       lambda a, b: same(a, b) or expect(math.copysign(1, a[2]) == -1, "-0.0 lost its sign"))
simple("complex", lambda: complex(1.5, -2))
simple("bool", lambda: (True, False))
simple("none_ellipsis_notimpl", lambda: (None, ..., NotImplemented),
       lambda a, b: expect(a[0] is None and a[1] is Ellipsis and a[2] is NotImplemented, f"{a!r}"))
simple("str", lambda: "héllo wörld \u2603 \U0001F600")
simple("bytes", lambda: bytes(range(256)))
simple("bytearray", lambda: bytearray(b"mutable\x00bytes"))
simple("list", lambda: [1, "two", 3.0, [4], None])
simple("tuple", lambda: (1, ("nested", 2), frozenset({3})))
simple("dict", lambda: {"a": 1, 2: "b", (3, 4): [5], None: {}})
simple("set", lambda: {1, 2, "three", (4, 5)})
simple("frozenset", lambda: frozenset({"x", "y", 3}))
simple("range", lambda: range(3, 100, 7))
simple("slice", lambda: slice(1, None, -2))
simple("memoryview", lambda: memoryview(b"abcdef"),
       lambda a, b: expect(type(a) is memoryview and a.tobytes() == b.tobytes() and a.format == b.format,
                           "memoryview differs"))
simple("type_objects", lambda: (int, dict, type, object, Exception),
       lambda a, b: expect(all(x is y for x, y in zip(a, b)), "builtin types not identical"))
simple("builtin_function", lambda: (len, print, builtins.sum, math.sqrt),
       lambda a, b: expect(all(x is y for x, y in zip(a, b)), "builtin functions not identical"))
BUILTIN_OWNER = [3, 1, 2]
simple("builtin_bound_method", lambda: BUILTIN_OWNER.append,
       lambda a, b: expect(a.__self__ is BUILTIN_OWNER and a.__name__ == "append", "bound to the wrong list"))
simple("method_descriptor", lambda: (str.upper, dict.get, list.__len__),
       lambda a, b: expect(all(x is y for x, y in zip(a, b)), "descriptors not identical"))
simple("object", lambda: object(), lambda a, b: expect(type(a) is object, "not an object"))
simple("simple_namespace", lambda: types.SimpleNamespace(a=1, b=[2]))
simple("mappingproxy", lambda: types.MappingProxyType({"k": 1}),
       lambda a, b: expect(type(a) is type(b) and dict(a) == dict(b), "mappingproxy differs"))
simple("exception_chain", lambda: _exc_chain(), lambda a, b: expect(
    type(a) is AppError and a.args == b.args and a.code == b.code and type(a.__cause__) is KeyError
    and a.__cause__.args == ("inner",), f"{a!r} cause {a.__cause__!r}"))


def _exc_chain():
    try:
        try:
            raise KeyError("inner")
        except KeyError as e:
            raise AppError("outer", 7) from e
    except AppError as e:
        return e


# builtin iterators, part consumed
simple("list_iterator", lambda: advanced(iter([1, 2, 3, 4, 5])), drain)
simple("tuple_iterator", lambda: advanced(iter((1, 2, 3, 4))), drain)
simple("str_iterator", lambda: advanced(iter("abcdef")), drain)
simple("bytes_iterator", lambda: advanced(iter(b"abcdef")), drain)
simple("range_iterator", lambda: advanced(iter(range(10))), drain)
simple("dict_keyiterator", lambda: advanced(iter({"a": 1, "b": 2, "c": 3, "d": 4})), drain)
simple("dict_itemiterator", lambda: advanced(iter({"a": 1, "b": 2, "c": 3}.items()), 1), drain)
simple("set_iterator", lambda: advanced(iter({1}), 0), drain)
simple("enumerate", lambda: advanced(enumerate("abcde", 10)), drain)
simple("zip", lambda: advanced(zip("abcd", range(4))), drain)
simple("map_lambda", lambda: advanced(map(lambda x: x * 3, range(6))), drain)
simple("filter_lambda", lambda: advanced(filter(lambda x: x % 2, range(10))), drain)
simple("reversed", lambda: advanced(reversed([1, 2, 3, 4, 5])), drain)
simple("callable_iterator", lambda: advanced(iter(functools.partial(next, iter(range(10))), 7)), drain)
simple("dict_views", lambda: _views(),
       lambda a, b: expect(list(a[0]) == list(b[0]) and list(a[1]) == list(b[1]) and list(a[2]) == list(b[2]),
                           "views differ"))


def _views():
    d = {"x": 1, "y": 2}
    return d.keys(), d.values(), d.items()


# ---------------------------------------------------------------- collections
simple("deque", lambda: collections.deque([1, 2, 3], maxlen=5),
       lambda a, b: same(a, b) or expect(a.maxlen == b.maxlen, "maxlen lost"))
simple("deque_iterator", lambda: advanced(iter(collections.deque("abcdef"))), drain)
simple("defaultdict_lambda", lambda: collections.defaultdict(lambda: "dflt", {"a": "x"}),
       lambda a, b: same(dict(a), dict(b)) or expect(a["missing"] == "dflt", "default factory lost"))
simple("defaultdict_list", lambda: collections.defaultdict(list, {"k": [1]}),
       lambda a, b: same(a, b) or expect(a.default_factory is list, "factory not list"))
simple("ordereddict", lambda: _odict(), lambda a, b: same(a, b) or expect(list(a) == list(b), "order differs"))


def _odict():
    d = collections.OrderedDict.fromkeys("abcd")
    d.move_to_end("a")
    return d


simple("ordereddict_iterator", lambda: advanced(iter(_odict()), 1), drain)
simple("counter", lambda: collections.Counter("mississippi"))
simple("chainmap", lambda: collections.ChainMap({"a": 1}, {"a": 2, "b": 3}),
       lambda a, b: same(a.maps, b.maps))
simple("userdict", lambda: collections.UserDict({"u": 1}))
simple("userlist", lambda: collections.UserList([1, 2]))
simple("userstring", lambda: collections.UserString("us"))
simple("namedtuple", lambda: Pair(1, [2]))
simple("namedtuple_defaults", lambda: Cfg("h"), lambda a, b: same(a, b) or expect(Cfg("z").port == 8080, "defaults"))

# ---------------------------------------------------------------- itertools
simple("itertools_count", lambda: advanced(itertools.count(5, 0.5)),
       lambda a, b: same([next(a) for _ in range(3)], [next(b) for _ in range(3)]))
simple("itertools_cycle", lambda: advanced(itertools.cycle("abc"), 4),
       lambda a, b: same([next(a) for _ in range(7)], [next(b) for _ in range(7)]))
simple("itertools_repeat", lambda: advanced(itertools.repeat("r", 5)), drain)
simple("itertools_chain", lambda: advanced(itertools.chain([1, 2], (3, 4), "ab"), 3), drain)
simple("itertools_chain_from_iterable", lambda: advanced(itertools.chain.from_iterable([[1], [2, 3], [4]])), drain)
simple("itertools_islice", lambda: advanced(itertools.islice(range(100), 3, 20, 4)), drain)
simple("itertools_product", lambda: advanced(itertools.product("ab", range(3)), 2), drain)
simple("itertools_permutations", lambda: advanced(itertools.permutations(range(4), 2), 3), drain)
simple("itertools_combinations", lambda: advanced(itertools.combinations("abcde", 3), 3), drain)
simple("itertools_combinations_wr", lambda: advanced(itertools.combinations_with_replacement("abc", 2)), drain)
simple("itertools_accumulate", lambda: advanced(itertools.accumulate([1, 2, 3, 4, 5], operator.mul)), drain)
simple("itertools_groupby", lambda: advanced(itertools.groupby("aaabbcdddd"), 1),
       lambda a, b: same([(k, list(g)) for k, g in a], [(k, list(g)) for k, g in b]))
simple("itertools_tee", lambda: _tee(),
       lambda a, b: same((list(a[0]), list(a[1])), (list(b[0]), list(b[1]))))


def _tee():
    x, y = itertools.tee(iter(range(6)))
    next(x)
    next(x)
    next(y)
    return x, y


simple("itertools_zip_longest", lambda: advanced(itertools.zip_longest("ab", "wxyz", fillvalue="-"), 1), drain)
simple("itertools_starmap", lambda: advanced(itertools.starmap(pow, [(2, 3), (3, 2), (10, 2)]), 1), drain)
simple("itertools_takewhile", lambda: advanced(itertools.takewhile(lambda x: x < 5, range(10)), 1), drain)
simple("itertools_dropwhile", lambda: advanced(itertools.dropwhile(lambda x: x < 5, range(10)), 1), drain)
simple("itertools_compress", lambda: advanced(itertools.compress("abcdef", [1, 0, 1, 1, 0, 1]), 1), drain)
simple("itertools_pairwise", lambda: advanced(itertools.pairwise("abcde"), 1), drain)
simple("itertools_filterfalse", lambda: advanced(itertools.filterfalse(lambda x: x % 3, range(12)), 1), drain)

# ---------------------------------------------------------------- functools
simple("partial", lambda: functools.partial(plain_function, 1, c=10), call_check((5,)))
simple("partial_builtin", lambda: functools.partial(int, base=2), call_check(("1011",)))
simple("partialmethod", lambda: WithPartialMethod(), lambda a, b: same(a.set_a(5), b.set_a(5)))
simple("cached_property", lambda: _cached(),
       lambda a, b: expect(a.square == 49 and a.calls == 1 and "square" in vars(a), f"cache lost: calls={a.calls}"))


def _cached():
    w = WithCached(7)
    w.square
    return w


simple("lru_cache_function", lambda: fib, lambda a, b: expect(a(30) == 832040 and a.cache_info().maxsize == 32,
                                                               "lru_cache wrapper broken"))
simple("cmp_to_key", lambda: functools.cmp_to_key(lambda x, y: (x > y) - (x < y))(5),
       lambda a, b: expect(type(a) is type(b) and a == b and not a < b, "key object differs"))
simple("singledispatch", lambda: describe, lambda a, b: expect(a("s") == "str" and a(1) == "object", "dispatch lost"))
simple("singledispatchmethod", lambda: Dispatch(), lambda a, b: expect(a.kind(1) == "int" and a.kind("x") == "object",
                                                                        "dispatch lost"))
simple("total_ordering", lambda: [Version(2), Version(1)],
       lambda a, b: same(a, b) or expect(a[0] >= a[1] and a[1] <= a[0], "ordering lost"))
simple("wraps_decorated", lambda: wrapped_add,
       lambda a, b: expect(a(1, 2) == ("traced", 3) and a.__wrapped__(1, 2) == 3 and a.__name__ == "wrapped_add",
                           "wrapper broken"))
simple("reduce_builtin", lambda: functools.reduce, lambda a, b: expect(a is functools.reduce, "not identical"))

# ---------------------------------------------------------------- datetime, numbers, paths, re, misc stdlib
simple("date", lambda: datetime.date(2024, 2, 29))
simple("time", lambda: datetime.time(23, 59, 1, 999))
simple("datetime_naive", lambda: datetime.datetime(2001, 9, 9, 1, 46, 40))
simple("datetime_utc", lambda: datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
       lambda a, b: same(a, b) or expect(a.tzinfo is datetime.timezone.utc, "utc is not the singleton"))
simple("datetime_offset", lambda: datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30), "IST")),
       lambda a, b: same(a, b) or same(a.tzname(), b.tzname()))
simple("datetime_zoneinfo", lambda: datetime.datetime(2021, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
       lambda a, b: same(a, b) or same(a.utcoffset(), b.utcoffset()) or expect(a.tzinfo is b.tzinfo, "zone not cached"))
simple("timedelta", lambda: datetime.timedelta(days=-3, seconds=5, microseconds=7))
simple("decimal", lambda: decimal.Decimal("3.14159265358979323846264338327950288"))
simple("decimal_context", lambda: decimal.Context(prec=7, rounding=decimal.ROUND_HALF_EVEN),
       lambda a, b: expect(type(a) is decimal.Context and a.prec == 7 and a.rounding == b.rounding, f"{a!r}"))
simple("fraction", lambda: fractions.Fraction(22, 7))
simple("pathlib_path", lambda: pathlib.Path("/tmp/some/dir/file.tar.gz"))
simple("pathlib_pure", lambda: (pathlib.PurePosixPath("a/b"), pathlib.PureWindowsPath(r"C:\x\y")))
simple("re_pattern", lambda: re.compile(r"(?P<word>\w+)\s*=\s*(\d+)", re.I | re.M),
       lambda a, b: same(a, b) or expect(a.match("X = 12").group("word") == "X", "pattern broken"))
simple("re_match", lambda: re.compile(r"(\d+)-(\d+)").search("tel 555-1234 and 1-2", 2),
       lambda a, b: expect(type(a) is type(b) and a.groups() == b.groups() and a.span() == b.span()
                           and a.string == b.string and a.re == b.re and (a.pos, a.endpos) == (b.pos, b.endpos),
                           f"{a!r} != {b!r}"))
simple("array", lambda: array.array("d", [1.0, 2.5, -3]))
simple("uuid", lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"))
simple("ipaddress", lambda: (ipaddress.ip_address("10.1.2.3"), ipaddress.ip_network("2001:db8::/32")))
simple("string_template", lambda: string.Template("$who likes $what"),
       lambda a, b: same(a.substitute(who="tim", what="pie"), b.substitute(who="tim", what="pie")))
simple("random_instance", lambda: _rng(), lambda a, b: same([a.random() for _ in range(3)], [b.random() for _ in range(3)]))


def _rng():
    r = random.Random(1234)
    r.random()
    return r


simple("operator_callables", lambda: (operator.itemgetter(1, 0), operator.attrgetter("real"), operator.methodcaller("split", ",")),
       lambda a, b: same((a[0]("ab"), a[1](3), a[2]("a,b")), (b[0]("ab"), b[1](3), b[2]("a,b"))))
simple("module", lambda: (json, math, os.path), lambda a, b: expect(all(x is y for x, y in zip(a, b)), "modules differ"))
simple("std_streams", lambda: (sys.stdout, sys.stderr),
       lambda a, b: expect(a[0] is sys.stdout and a[1] is sys.stderr, "std streams not mapped"))
simple("weakref", lambda: _weak(), lambda a, b: expect(a[0]() is a[1] and a[1] == [1, 2], "weakref broken"))


def _weak():
    target = MyList([1, 2])
    return weakref.ref(target), target


simple("weak_value_dict", lambda: _wvd(), lambda a, b: expect(dict(a[0]) == {"k": a[1]}, f"{dict(a[0])!r}"))


def _wvd():
    target = Plain(3)
    d = weakref.WeakValueDictionary()
    d["k"] = target
    return d, target


simple("string_io", lambda: _sio(), lambda a, b: same((a.tell(), a.read()), (b.tell(), b.read())))


def _sio():
    s = io.StringIO("first\nsecond\nthird\n")
    s.readline()
    return s


simple("bytes_io", lambda: _bio(), lambda a, b: same((a.tell(), a.getvalue()), (b.tell(), b.getvalue())))


def _bio():
    s = io.BytesIO()
    s.write(b"written so far")
    return s


simple("text_file_mid_read", lambda: _text_file(), file_check)


def _text_file():
    f = open(DATA_FILE)
    f.readline()
    f.readline()
    return f


simple("binary_file_mid_read", lambda: _bin_file(), file_check)


def _bin_file():
    f = open(BIN_FILE, "rb")
    f.read(100)
    return f


# ---------------------------------------------------------------- functions, classes, generators
simple("function", lambda: plain_function,
       lambda a, b: expect(a is plain_function and a(1, x=1) == 7 and a.attr == "kept" and a.__doc__ == "doc"
                           and a.__annotations__ == {"return": int} and a.__kwdefaults__ == {"c": 3}, "function differs"))
simple("lambda", lambda: (lambda x, y=2: x * y), call_check((21,)))
simple("closure_shared_cells", lambda: _counter(),
       lambda a, b: expect(a[0]() == 12 and a[1]() == 12 and b[0]() == 12, "cells not shared"))


def _counter():
    bump, peek = make_counter(10)
    bump()
    return bump, peek


simple("code_object", lambda: plain_function.__code__, lambda a, b: expect(a == b and type(a) is types.CodeType, "code differs"))
simple("bound_method", lambda: Plain(4).method, bound_method_check)
simple("staticmethod_classmethod", lambda: (Plain.static, Plain.klass, Plain.__dict__["static"], Plain.__dict__["klass"]),
       lambda a, b: expect(a[0](3) == 6 and a[1](1) == ("plain", 1) and type(a[2]) is staticmethod
                           and type(a[3]) is classmethod and a[3].__func__ is Plain.__dict__["klass"].__func__,
                           "static/class methods differ"))
simple("property_instance", lambda: Plain(21), lambda a, b: same(a, b) or expect(a.double == 42, "property lost"))
simple("slots_instance", lambda: Slotted(1, [2]))
simple("metaclass_class", lambda: WithMeta,
       lambda a, b: expect(a is WithMeta and type(a) is Meta and a.describe() == "WithMeta by Meta", "metaclass lost"))
simple("new_with_args", lambda: NeedsArgs(2, 3))
simple("getstate_setstate", lambda: WithState(9),
       lambda a, b: same(a, b) or expect(set(a.cache) <= {"transient"}, f"state {a.cache!r}"))
simple("nested_class", lambda: Outer.Inner(5))
simple("list_subclass", lambda: MyList([1, 2, 3]), lambda a, b: same(a, b) or expect(a.total() == 6, "method lost"))
simple("dict_subclass", lambda: MyDict(a=1))
simple("abc_instance", lambda: Square(3),
       lambda a, b: same(a, b) or expect(isinstance(a, Base) and a.area() == 9, "abc lost"))
simple("enum_members", lambda: (Color.RED, Level.HIGH, Perm.R | Perm.W, Bits.A | Bits.B),
       lambda a, b: expect(all(x is y for x, y in zip(a[:2], b[:2])) and a[2] == b[2] and a[3] == b[3]
                           and a[0].label() == "red" and Color(2) is Color.GREEN, f"{a!r} != {b!r}"))
simple("dataclass", lambda: Point(3, 4, ["t"]),
       lambda a, b: same(a, b) or expect(a.norm2() == 25 and a < Point(4) and dataclasses.asdict(a) == dataclasses.asdict(b), "dataclass"))
simple("dataclass_frozen", lambda: Frozen("f"),
       lambda a, b: same(a, b) or expect(hash(a) == hash(b) and dataclasses.replace(a, size=2).size == 2, "frozen"))
simple("dataclass_slots", lambda: SlotPoint(1, 2))
simple("dataclass_kw_only", lambda: KwOnly(a=1), lambda a, b: same(a, b) or same(KwOnly(a=2, b="c").b, "c"))
simple("typing_namedtuple", lambda: Employee("ann"))
simple("typing_typeddict", lambda: Movie(title="x", year=1999))
simple("typing_constructs", lambda: (typing.List[int], typing.Optional[str], typing.Union[int, str],
                                     typing.Callable[[int], str], typing.Dict[str, typing.Tuple[int, ...]], T,
                                     typing.Literal["a", "b"], typing.Any),
       lambda a, b: same(list(a[:5]) + list(a[6:]), list(b[:5]) + list(b[6:])) or expect(a[5] is T, "TypeVar identity"))
simple("typing_generic_instance", lambda: Box[int](3),
       lambda a, b: same(a, b) or expect(isinstance(Square(1), HasArea) and UserId(5) == 5, "typing broken"))
simple("redefined_class_instances", lambda: (OLD_INSTANCE, NEW_INSTANCE),
       lambda a, b: expect(a[0] is OLD_INSTANCE and type(a[0]) is OldRedefined and type(a[0]) is not Redefined
                           and a[0].who() == "old" and type(a[0]).version == 1 and type(a[1]) is Redefined
                           and a[1].who() == "new", "redefined class mixed up"))
simple("generator_mid_iteration", lambda: advanced(gen_numbers(6), 2),
       lambda a, b: same((a.send(100), list(a)), (b.send(100), list(b))))
simple("generator_unstarted", lambda: gen_numbers(3), drain)
simple("generator_finished", lambda: _finished(), drain)


def _finished():
    g = gen_numbers(1)
    list(g)
    return g


simple("generator_expression", lambda: advanced((x * x for x in range(8) if x % 2 == 0), 2), drain)

# ---------------------------------------------------------------- numpy and pandas
for _dt in ("int8", "uint16", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128",
            "bool", "U7", "S5", "datetime64[ms]", "timedelta64[s]"):
    simple(f"numpy_{_dt}", (lambda dt: lambda: np.arange(12).reshape(3, 4).astype(dt))(_dt), array_flags_check)
simple("numpy_object", lambda: np.array([1, "a", None, (2, 3)], dtype=object), array_flags_check)
simple("numpy_structured", lambda: np.array([(1, 2.5, b"ab"), (3, 4.5, b"cd")], dtype=[("i", "i4"), ("f", "f8"), ("s", "S2")]),
       array_flags_check)
simple("numpy_fortran", lambda: np.asfortranarray(np.arange(20.0).reshape(4, 5)), array_flags_check)
simple("numpy_0d", lambda: np.array(3.25), array_flags_check)
simple("numpy_empty", lambda: np.zeros((0, 3)), array_flags_check)
simple("numpy_readonly", lambda: _readonly(), array_flags_check)


def _readonly():
    a = np.arange(5)
    a.flags.writeable = False
    return a


simple("numpy_scalars", lambda: (np.float64(1.5), np.int32(-3), np.bool_(True), np.datetime64("2020-01-01")))
simple("numpy_dtype", lambda: np.dtype([("x", "<f4"), ("y", ">i2")]))
simple("numpy_masked", lambda: np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
       lambda a, b: expect(type(a) is type(b) and a.tolist() == b.tolist() and (a.mask == b.mask).all(), "masked differs"))
simple("numpy_views", lambda: _views_of(),
       lambda a, b: _views_check(a, b))


def _views_of():
    base = np.arange(40.0).reshape(5, 8)
    return base, base[1:3], base[:, ::3], base.T, base[::-1, ::-2], base.ravel()[5:9]


def _views_check(a, b):
    why = same(list(a), list(b))
    if why:
        return why
    base = a[0]
    base[1, 0] = -1.0  # writes through to the views, as before the suspend
    return expect(a[1][0, 0] == -1.0 and a[3][0, 1] == -1.0, "views no longer share their base's memory") or \
        expect(all(np.shares_memory(base, v) for v in a[1:]), "a view was copied")


simple("numpy_random_generator", lambda: np.random.default_rng(7),
       lambda a, b: same(a.integers(0, 1000, 5), b.integers(0, 1000, 5)))
simple("pandas_dataframe", lambda: pd.DataFrame({
    "i": np.arange(4), "f": [0.5, np.nan, 2.0, 3.5], "s": list("abcd"),
    "t": pd.date_range("2020-01-01", periods=4, freq="D"), "c": pd.Categorical(list("xyxy"))},
    index=pd.Index(list("pqrs"), name="key")))
simple("pandas_series", lambda: pd.Series([1.5, 2.5], index=["a", "b"], name="ser"))
simple("pandas_multiindex", lambda: pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["l", "n"]))


# ---------------------------------------------------------------- globals and locals
# star-imported names still bound to the module's object at the end of the definitions
NP_STAR = [n for n in np.__all__ if n in globals() and globals()[n] is getattr(np, n, None)]
PYLAB_STAR = [n for n in dir(pylab) if not n.startswith("_") and n in globals() and globals()[n] is getattr(pylab, n)]
GLOBAL_OBJS = {kind: make() for kind, make, check in CASES}

# relations between globals
SHARED = [1, 2, 3]
ALIAS = SHARED
CYCLE = [0]
CYCLE.append(CYCLE)
SELF_DICT = {}
SELF_DICT["me"] = SELF_DICT
NODE_A = Plain("a")
NODE_B = Plain("b")
NODE_A.other, NODE_B.other = NODE_B, NODE_A
IN_TWO = {"first": SHARED, "second": (SHARED, SHARED)}
GEN_SHARED = gen_numbers(5)
next(GEN_SHARED)
ARR = np.arange(1_000_000, dtype=np.float64)
ARR_VIEW = ARR[10:20]
DF = pd.DataFrame({"a": np.arange(3)})
DF_ALIAS = DF


def star_mismatches(module, names):
    """Star-imported names no longer bound to the module's object (numbers: an equal value)."""
    bad = []
    for n in names:
        mine, theirs = globals()[n], getattr(module, n)
        if mine is theirs:
            continue
        # Functions, classes, ufuncs, modules travel by reference; module-level data and instances by value (equal).
        by_reference = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type, types.ModuleType, np.ufunc)
        if not isinstance(mine, by_reference) and type(mine) is type(theirs) and \
                (same(mine, theirs) is None or getattr(mine, "__dict__", None) == getattr(theirs, "__dict__", 0)):
            continue
        bad.append(n)
    return bad


def check_all(objs, label):
    results = {}
    for kind, make, check in CASES:
        try:
            why = check(objs[kind], make())
        except Exception as e:  # noqa: BLE001
            why = f"check raised {type(e).__name__}: {e}"
        if why:
            results[kind] = f"{label}: {why}"
    return results


def work():
    local_objs = {kind: make() for kind, make, check in CASES}
    shared_local = SHARED
    gen_local = GEN_SHARED
    counter = 0

    def bump():
        nonlocal counter
        counter += 1
        return counter
    bump()
    local_view = ARR[100:110]
    resumed = suspendable.checkpoint(SNAP)
    prefix = "" if resumed else "pre "

    failures = check_all(GLOBAL_OBJS, "global")
    for kind, why in check_all(local_objs, "frame local").items():
        failures[kind] = failures[kind] + "; " + why if kind in failures else why
    relations = {
        "rel_alias": ALIAS is SHARED,
        "rel_global_and_local": shared_local is SHARED and IN_TWO["first"] is SHARED
        and IN_TWO["second"][0] is SHARED and IN_TWO["second"][1] is SHARED,
        "rel_list_cycle": CYCLE[1] is CYCLE,
        "rel_dict_cycle": SELF_DICT["me"] is SELF_DICT,
        "rel_object_cycle": NODE_A.other is NODE_B and NODE_B.other is NODE_A,
        "rel_generator_shared": gen_local is GEN_SHARED and next(GEN_SHARED) == 1 and next(gen_local) == 4,
        "rel_frame_cell": bump() == 2 and counter == 2,
        "rel_numpy_view_shares_base": ARR_VIEW.base is not None and np.shares_memory(ARR, ARR_VIEW)
        and np.shares_memory(ARR, local_view) and ARR_VIEW[0] == 10.0 and local_view[0] == 100.0,
        "rel_numpy_writable": ARR.flags.writeable and ARR_VIEW.flags.writeable,
        "rel_dataframe_alias": DF_ALIAS is DF,
        "rel_star_import_numpy": len(NP_STAR) > 400 and not star_mismatches(np, NP_STAR),
        "rel_star_import_pylab": len(PYLAB_STAR) > 800 and not star_mismatches(pylab, PYLAB_STAR),
    }
    ARR[10] = -5.0  # after the checks above: the view sees the write
    relations["rel_numpy_view_write"] = ARR_VIEW[0] == -5.0
    for kind, ok in relations.items():
        if not ok:
            failures[kind] = "relation does not hold"
    for kind, module, names in (("rel_star_import_numpy", np, NP_STAR), ("rel_star_import_pylab", pylab, PYLAB_STAR)):
        if kind in failures:
            failures[kind] += f" ({len(names)} names; differ: {star_mismatches(module, names)[:10]})"
    for kind in [c[0] for c in CASES] + list(relations):
        if kind in failures:
            print(f"{prefix}FAIL {kind}: {failures[kind]}")
        else:
            print(f"{prefix}ok {kind}")
    print(f"{prefix}kinds {len(CASES) + len(relations)}")


work()
