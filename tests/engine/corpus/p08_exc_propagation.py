# corpus: small
# covers: exceptions propagating across several frames, raise ... from (__cause__), implicit __context__,
#         __suppress_context__, bare re-raise, custom exception classes with state, except* (ExceptionGroup),
#         traceback.extract_tb after propagation, exception stored in a variable and raised later
import os, time, traceback
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def tb(e):
    return [(os.path.basename(f.filename), f.lineno, f.name) for f in traceback.extract_tb(e.__traceback__)]


def describe(e):
    parts = [type(e).__name__ + ":" + str(e)]
    if e.__cause__ is not None:
        parts.append("cause=" + type(e.__cause__).__name__ + ":" + str(e.__cause__))
    if e.__context__ is not None:
        parts.append("context=" + type(e.__context__).__name__)
    parts.append("suppress=" + str(e.__suppress_context__))
    return " ".join(parts)


def deep(n, i):
    if n == 0:
        tick()
        return 10 // (i % 4)
    return deep(n - 1, i) + 1


def middle(i):
    try:
        return deep(3, i)
    except ZeroDivisionError as z:
        if i % 8 == 0:
            raise AppError(i, "wrapped") from z
        raise AppError(-i, "implicit")


def reraiser(i):
    try:
        return middle(i)
    except AppError as a:
        a.code += 1000
        print("  reraise", a.code)
        raise


def top(i):
    try:
        r = reraiser(i)
        print("top ok", i, r)
    except AppError as e:
        print("top caught", i, e.code, describe(e))
        print("  tb", tb(e))
        print("  cause tb", tb(e.__context__))


for i in range(6):
    top(i)

saved = None
try:
    {}["nope"]
except KeyError as k:
    saved = k
    print("saved", describe(k), tb(k))
try:
    raise saved
except KeyError as k2:
    print("same object", k2 is saved, len(tb(k2)))

try:
    try:
        raise TypeError("inner")
    except TypeError:
        raise ValueError("outer") from None
except ValueError as v:
    print("from None", describe(v))


def group(n):
    errs = []
    for i in range(n):
        errs.append(ValueError(i) if i % 2 else TypeError(i))
    raise ExceptionGroup("many", errs)


try:
    group(5)
except* ValueError as eg:
    print("except* value", sorted(e.args[0] for e in eg.exceptions))
except* TypeError as eg:
    print("except* type", sorted(e.args[0] for e in eg.exceptions))
print("done")
