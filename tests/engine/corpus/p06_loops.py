# corpus: small
# covers: while/break/continue/else, for/else, nested loops with labels emulated by flags, loop variables after loop
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def collatz(n):
    steps = 0
    while n != 1:
        if n % 2:
            n = 3 * n + 1
        else:
            n //= 2
        steps += 1
    else:
        print("  collatz reached 1")
    return steps


def find_first(seq, target):
    for i, v in enumerate(seq):
        if v == target:
            print("  found", target, "at", i)
            break
    else:
        print("  not found", target)
        i = -1
    return i


def primes(limit):
    out = []
    n = 1
    while True:
        n += 1
        tick()
        if n > limit:
            break
        for p in out:
            if p * p > n:
                break
            if n % p == 0:
                break
        else:
            out.append(n)
            continue
        if n % p != 0:
            out.append(n)
    return out


for n in (6, 7, 9):
    print("collatz", n, collatz(n))
    tick()
print("find", find_first([3, 1, 4, 1, 5], 4), find_first("abc", "z"))
print("primes", primes(40))
i = 0
hits = 0
while i < 12:
    i += 1
    if i % 3 == 0:
        continue
    hits += i
    if hits > 30:
        print("break at", i)
        break
else:
    print("never printed")
print("hits", hits, "i", i)
