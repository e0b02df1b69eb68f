# corpus: small
# covers: generators run by native consumers that a resume continues: list(gen), tuple(gen) (more items than
#         its first guess of 10), sorted(gen, key=, reverse=),
#         str.join / bytes.join over generator expressions (nested), lst.extend(gen), any / all stopping early,
#         next(gen[, default]) and gen.send(v) (including a return turning into StopIteration), an iterable
#         whose __iter__ is a generator function, a generator raising inside list(), try/finally inside a
#         consumed generator, and generators printing as they go (output order must not change), and
#         functools.reduce over a generator with a Python function (with and without an initial value)
import functools
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def squares(n, tag):
    for i in range(n):
        tick()
        print(tag, "yields", i * i)
        yield i * i


def words(n):
    for i in range(n):
        tick()
        yield "w%d" % (i * 7 % 5)


class Batch:
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        for it in self.items:
            tick()
            yield it * 10


def guarded(n, log):
    try:
        for i in range(n):
            tick()
            yield i
    finally:
        log.append("closed at %d" % n)


def echo():
    total = 0
    while True:
        got = yield total
        tick()
        if got is None:
            return "echo done %d" % total
        total += got


def join_words(a, b):
    tick()
    return a + "/" + b


def main():
    print("list", list(squares(4, "L")))
    print("reduce", functools.reduce(lambda a, b: a * 3 + b, squares(4, "R"), 1),
          functools.reduce(join_words, words(3)))
    print("tuple", tuple(squares(13, "T")), tuple(v for v in words(2)))
    print("sorted", sorted(words(6), key=lambda w: (w[-1], w), reverse=True))
    print("join", "+".join(str(v) for v in squares(3, "J")))
    print("nested", " ".join("".join(c.upper() for c in w) for w in words(4)))
    print("bytes", b"-".join(w.encode() for w in words(3)))
    acc = ["start"]
    acc.extend(squares(3, "E"))
    print("extend", acc)
    log = []
    print("any", any(v > 2 for v in guarded(6, log)), log)
    print("all", all(v < 3 for v in guarded(5, log)), log)
    print("iter", list(Batch([1, 2, 3])), "".join(str(v) for v in Batch([4, 5])))
    g = echo()
    print("first", next(g))
    print("send", g.send(3), g.send(4))
    try:
        g.send(None)
    except StopIteration as e:
        print("stop", e.value)
    print("default", next(iter(squares(0, "D")), "empty"))
    try:
        list(int(w[1:]) // (int(w[1:]) - 2) for w in words(6))
    except ZeroDivisionError as e:
        print("error", type(e).__name__, e)
    total = 0
    for round_ in range(3):
        total += sum(list(squares(3, "R%d" % round_)))
    print("total", total)


main()
