# corpus: small
# covers: truth tests that run Python code: `if x:`, `if not x:`, `while x:` and `elif` on objects with a
#         __bool__ or only a __len__ that do work (the jump is decided on resume), a __len__ returning an int
#         subclass, and a __bool__ returning a non-bool (TypeError)
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


class Queue:
    def __init__(self, items):
        self.items = list(items)
        self.checks = 0

    def __len__(self):
        tick()
        self.checks += 1
        return len(self.items)

    def pop(self):
        return self.items.pop(0)


class Switch:
    def __init__(self, pattern):
        self.pattern = pattern
        self.at = 0

    def __bool__(self):
        tick()
        on = self.pattern[self.at % len(self.pattern)] == "1"
        self.at += 1
        return on


class Size(int):
    pass


class Sized:
    def __len__(self):
        return Size(3)


class Broken:
    def __bool__(self):
        return "yes"


def drain(q):
    out = []
    while q:
        out.append(q.pop())
    return out, q.checks


def main():
    print("drained:", drain(Queue("abcd")))
    s = Switch("1101")
    seen = []
    for k in range(8):
        if s:
            seen.append(k)
        elif not s:
            seen.append(-k)
    print("switch:", seen, s.at)
    print("sized:", "yes" if Sized() else "no")
    if not Queue([]):
        print("empty queue is false")
    try:
        if Broken():
            print("never")
    except TypeError as e:
        print("broken:", e)


main()
