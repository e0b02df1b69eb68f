# corpus: small
# covers: sum() over generators and generator expressions (the running total is continued on resume): int
#         totals, a float item switching to float addition, int items after a float, totals past 2**63, bool
#         items, a start given by position and by keyword, complex numbers, lists (start=[]), an int
#         subclass with __radd__ (its additions run inside sum: those wait), a generator that raises
#         part-way, a sum nested inside the generator of another sum
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def numbers(n):
    for i in range(n):
        tick()
        if i % 4 == 3:
            yield i / 4
        else:
            yield i


def weight(v):
    tick()
    return v * v - 3


class Odd(int):
    def __radd__(self, other):
        return other + int(self) + 1000


def failing(n):
    for i in range(n):
        yield i
        if i == 2:
            raise ArithmeticError("stop at %d" % i)


def rows(n):
    for r in range(n):
        tick()
        yield sum(c * r for c in range(4))


def main():
    print("ints:", sum(weight(i) for i in range(8)))
    print("mixed:", sum(numbers(9)))
    print("float start:", sum((weight(i) for i in range(5)), 0.25))
    print("big:", sum(2**61 + i for i in range(9)))
    print("bools:", sum(i % 3 == 0 for i in range(10)))
    print("keyword start:", sum((i for i in range(5)), start=100))
    print("complex:", sum(complex(i, -i) / 2 for i in range(6)))
    print("lists:", sum(([i, weight(i)] for i in range(4)), []))
    print("subclass:", sum(Odd(i) for i in range(4)), sum((Odd(i) for i in range(3)), 0.5))
    try:
        print(sum(failing(6)))
    except ArithmeticError as e:
        print("failed:", e)
    print("nested:", sum(rows(5)))
    total = 0
    for k in range(3):
        total += sum(weight(j) for j in range(k + 3))
        print("running", k, total)


main()
