# corpus: small
# covers: an uncaught exception raised in a nested frame after work: exit status 1 and stdout printed before it;
#         the exception has a __cause__ chain
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def parse(items):
    out = []
    for s in items:
        try:
            out.append(int(s))
            print("parsed", s)
            tick()
        except ValueError as e:
            print("bad", repr(s))
            if s == "boom":
                raise RuntimeError("cannot continue at %r" % s) from e
        tick()
    return out


print("sum", sum(parse(["1", "2", "x", "40"])))
print("sum", sum(parse(["5", "6", "boom", "7"])))
print("not reached")
