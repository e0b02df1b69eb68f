"""Program code that runs while a session loads: dict keys whose __hash__ calls a global function,
an __init_subclass__ and a metaclass of the program that register classes (and print), an ABC with a
registered virtual subclass. None of the hooks may run again at resume; the globals they use exist.

Usage: class_hooks.py WORKDIR [nosuspend]
"""
import abc
import os
import sys

import suspendable


def norm(s):
    return s.strip().lower()


class Key:
    def __init__(self, name):
        self.name = name

    def __hash__(self):
        return hash(norm(self.name))

    def __eq__(self, other):
        return norm(self.name) == norm(other.name)

    def __repr__(self):
        return f"Key({self.name!r})"


table = {Key(" Alpha"): 1}


class Plugin:
    subs = []

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        Plugin.subs.append(cls)
        print("registering", cls.__name__)


class P1(Plugin):
    pass


class P2(P1):
    pass


REGISTRY = []


class Meta(type):
    def __new__(mcs, name, bases, ns):
        cls = super().__new__(mcs, name, bases, ns)
        REGISTRY.append(name)
        print("creating class", name)
        return cls


class A(metaclass=Meta):
    def hello(self):
        return "hi"


class B(A):
    pass


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self):
        ...


class Square(Shape):
    def area(self):
        return 4


Shape.register(int)
if sys.argv[2:] != ["nosuspend"]:
    suspendable.suspend(os.path.join(sys.argv[1], "hooks.snap"))
print(table, table.get(Key("alpha ")), [c.__name__ for c in Plugin.subs], REGISTRY, B().hello(), Square().area(),
      isinstance(3, Shape), isinstance("3", Shape), type(B).__name__)
try:
    Shape()
except TypeError as e:
    print("abstract:", e)


class P3(Plugin):
    pass


class C(B):
    pass


print([c.__name__ for c in Plugin.subs], REGISTRY)
