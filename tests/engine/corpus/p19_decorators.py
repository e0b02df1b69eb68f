# corpus: small
# covers: decorator wrappers `def w(*a, **k): return f(*a, **k)` (CALL_FUNCTION_EX), functools.wraps, stacked
#         decorators, decorators with arguments, class-based decorator (__call__), suspend inside wrapped bodies
import functools
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

CALLS = []


def wrap(f):
    def w(*a, **k):
        return f(*a, **k)
    return w


def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        CALLS.append(f.__name__)
        result = f(*args, **kwargs)
        print("  logged", f.__name__, args, kwargs, "->", result)
        return result
    return wrapper


def repeat(times):
    def deco(f):
        def inner(*a, **k):
            out = []
            for _ in range(times):
                out.append(f(*a, **k))
            return out
        return inner
    return deco


class Counted:
    def __init__(self, f):
        self.f = f
        self.n = 0

    def __call__(self, *a, **k):
        self.n += 1
        return self.f(*a, **k)


@wrap
def add(a, b=1):
    s = a + b
    tick()
    return s


@logged
@wrap
def mul(a, b):
    r = 0
    for _ in range(b):
        r += a
    return r


@repeat(3)
@wrap
def shout(word, suffix="!"):
    w = word.upper()
    return w + suffix


@Counted
def cube(x):
    y = x * x
    return y * x


for i in range(4):
    print("add", add(i), add(i, b=i))
    print("mul", mul(i, 3))
    print("shout", shout("hi%d" % i, suffix="?"))
    print("cube", cube(i), cube.n)
print("calls", CALLS, mul.__name__)
