# corpus: small
# covers: min() / max() running key functions and consuming generators (their best item so far is continued
#         on resume): ties keep the first, several positional arguments with key=, default= for an empty
#         generator, a generator with and without key=, a bound method as key, a max nested in a key
#         function, a key that raises part-way, an empty iterable without default (ValueError), a key over
#         a map whose function is Python (the map's call and the key's are both served)
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def vowels_of_len(n):
    tick()
    return -abs(n - 5)


def tick():
    if SLOW:
        time.sleep(SLOW)


def vowels(word):
    tick()
    count = 0
    for ch in word:
        if ch in "aeiou":
            count += 1
    return count


def readings(n):
    for i in range(n):
        tick()
        yield (i * 37) % 23 - 11


class Ranker:
    def __init__(self, bias):
        self.bias = bias

    def rank(self, word):
        tick()
        return abs(len(word) - self.bias)


def spread(word):
    return max(ord(c) for c in word) - min(word, key=ord).__hash__() % 1 - min(ord(c) for c in word)


def picky(word):
    if word == "delta":
        raise LookupError(word)
    return len(word)


def main():
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()
    print("most vowels:", max(words, key=vowels), "fewest:", min(words, key=vowels))
    print("positional:", max("pear", "fig", "banana", "kiwi", key=vowels))
    print("readings:", max(readings(12)), min(readings(9)))
    print("keyed gen:", min(readings(10), key=lambda r: (abs(r), r)))
    print("empty:", max((w for w in words if w.startswith("x")), default="none"),
          min((), key=vowels, default=None))
    ranker = Ranker(5)
    print("bound method:", min(words, key=ranker.rank), max(words, key=ranker.rank))
    print("nested:", max(words, key=spread))
    try:
        max(words, key=picky)
    except LookupError as e:
        print("picky:", repr(e))
    try:
        min(w for w in words if w.startswith("x"))
    except ValueError as e:
        print("empty min:", e)
    print("mapped:", min(map(vowels, words), key=lambda n: (n % 2, -n)), max(map(len, words), key=vowels_of_len))
    best = []
    for k in range(3):
        best.append(max(readings(k + 4), key=lambda r: r * (k - 1)))
        print("best", k, best)


main()
