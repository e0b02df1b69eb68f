# corpus: small
# covers: enum classes created while the program runs (class statements in a function, called repeatedly): Enum
#         with auto(), aliases, methods and _missing_, IntFlag, Flag, StrEnum, IntEnum, a member type with
#         __init__; a request inside the metaclass's work (member wrapping, the class's own making) is
#         served and the class comes back as the resumed EnumType.__new__ finishes it
import enum
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def define(round_no):
    tick()

    class Color(enum.Enum):
        RED = 1
        GREEN = 2
        BLUE = 3
        CRIMSON = 1  # an alias

        def describe(self):
            return "%s#%d" % (self.name.lower(), self.value)

        @classmethod
        def _missing_(cls, value):
            return cls.RED if value == "default" else None

    class Perm(enum.IntFlag):
        R = 4
        W = 2
        X = 1

    class Shape(enum.Flag):
        ROUND = enum.auto()
        SQUARE = enum.auto()
        BOTH = ROUND | SQUARE

    class Level(enum.IntEnum):
        LOW = 10 + round_no
        HIGH = 20 + round_no

    class Mode(enum.StrEnum):
        FAST = enum.auto()
        SAFE = "safe-%d" % round_no

    class Planet(enum.Enum):
        EARTH = (5.97, 6.37)
        MARS = (0.642, 3.39)

        def __init__(self, mass, radius):
            self.mass = mass
            self.radius = radius

    tick()
    return Color, Perm, Shape, Level, Mode, Planet


def show(classes):
    Color, Perm, Shape, Level, Mode, Planet = classes
    print([m.describe() for m in Color], list(Color.__members__), Color(1) is Color.CRIMSON, Color("default"))
    print(Perm.R | Perm.W, repr(Perm(7)), Perm(6) & Perm.W, int(Perm.R | Perm.X), list(Perm))
    print(Shape.BOTH, list(Shape), Shape.ROUND in Shape.BOTH, repr(~Shape.ROUND))
    print(Level.LOW + 1, sorted(Level), format(Level.HIGH), Level(Level.HIGH.value).name)
    print(Mode.FAST, repr(Mode.SAFE), Mode("fast") is Mode.FAST, Mode.SAFE.upper())
    print(Planet.MARS.mass, Planet.EARTH.radius, Planet((5.97, 6.37)).name, len(Planet))
    print(sorted(Color._value2member_map_), Color._member_names_, Perm._flag_mask_, Shape._all_bits_)


for r in range(2):
    show(define(r))
