# corpus: small
# covers: list/set/dict comprehensions (own frames in 3.11), nested comprehensions, comprehensions calling Python
#         functions, generator expressions consumed by for and by sum/max/any, conditional comprehensions
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def sq(x):
    tick()
    return x * x


def build(n):
    lst = [sq(i) for i in range(n) if i % 2 == 0]
    print("listcomp", lst)
    st = {sq(i) % 7 for i in range(n)}
    print("setcomp", sorted(st))
    dc = {i: [j for j in range(i)] for i in range(4)}
    print("dictcomp", dc)
    matrix = [[r * c for c in range(3)] for r in range(3)]
    print("nested", matrix)
    flat = [v for row in matrix for v in row if v]
    print("flat", flat)
    ge = (sq(v) + 1 for v in flat)
    for g in ge:
        print("genexpr", g)
    print("sum genexpr", sum(sq(i) for i in range(n)))
    print("max genexpr", max((i * 7) % 11 for i in range(n)))
    print("any", any(sq(i) > 20 for i in range(n)))
    words = ["pear", "fig", "apple"]
    print("dict from comp", {w: len(w) for w in words})
    return len(lst) + len(st)


print("build", build(8))
print("module listcomp", [c.upper() for c in "abc"])
