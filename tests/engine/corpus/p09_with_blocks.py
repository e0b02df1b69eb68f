# corpus: small
# covers: with blocks whose __enter__/__exit__ do real work (multi-line, print), exception suppression by __exit__,
#         nested with, contextlib.contextmanager (generator-based), ExitStack, suppress, pending __exit__ on resume
import contextlib
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

LOG = []


class Resource:
    def __init__(self, name, swallow=False):
        self.name = name
        self.swallow = swallow
        self.uses = 0

    def __enter__(self):
        print("enter", self.name)
        LOG.append("+" + self.name)
        total = 0
        for i in range(3):
            total += i
        self.uses += total
        return self

    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None)
        LOG.append("-" + self.name)
        tick()
        return self.swallow


@contextlib.contextmanager
def tagged(tag):
    print("<" + tag + ">")
    try:
        yield tag.upper()
    finally:
        print("</" + tag + ">")


def work(i):
    with Resource("r%d" % i) as r:
        print("  body", r.name, r.uses)
        with Resource("inner", swallow=True) as q:
            q.uses += i
            if i % 2:
                raise KeyError(i)
            print("  inner body", q.uses)
        print("  after inner")
        tick()
    with tagged("t%d" % i) as t:
        print("  tagged body", t)
    with contextlib.ExitStack() as stack:
        for j in range(2):
            stack.enter_context(Resource("s%d%d" % (i, j)))
        print("  stack body")
    with contextlib.suppress(ZeroDivisionError):
        print("  suppress", 1 / (i - 2))
    return r.uses


for i in range(4):
    print("work", i, work(i))
print("log", LOG)
