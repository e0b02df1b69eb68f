# corpus: small
# covers: itertools count, cycle, repeat, chain, chain.from_iterable, islice, product, permutations, combinations,
#         combinations_with_replacement (each driven by a for loop, several pre-advanced)
import itertools as it
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def run():
    for n in it.count(10, 3):
        if n > 22:
            break
        print("count", n)
    k = 0
    for c in it.cycle("abc"):
        k += 1
        print("cycle", k, c)
        if k == 7:
            break
    for r in it.repeat("r", 3):
        print("repeat", r)
    for x in it.chain([1, 2], (3,), "xy"):
        print("chain", x)
        tick()
    for x in it.chain.from_iterable([[4, 5], [6]]):
        print("from_iterable", x)
    for x in it.islice(it.count(), 5, 20, 4):
        print("islice", x)
    for a, b in it.product("ab", range(3)):
        print("product", a, b)
    for p in it.permutations([1, 2, 3]):
        print("permutations", p)
        tick()
    for c in it.combinations("wxyz", 2):
        print("combinations", "".join(c))
    for c in it.combinations_with_replacement([1, 2, 3], 2):
        print("cwr", c)


run()
gen = it.product(range(3), repeat=2)
next(gen)
for pair in gen:
    print("module product", pair)
