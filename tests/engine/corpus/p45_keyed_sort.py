# corpus: small
# covers: key functions run by list.sort(key=) and sorted(key=) (their key phase is continued on resume):
#         reverse with ties (stability), keys that are tuples, a bound method, functools.partial and a
#         callable instance as key, a sort nested in a key function, sorted() over a generator, a key that
#         looks at the list being sorted (empty during the sort), one that appends to it ("list modified
#         during sort") and one that raises (the list keeps its old order), a list subclass, and a list of
#         more than 128 items
import functools
import os
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def by_length(word):
    tick()
    n = len(word)
    return (n, word[::-1])


class Scorer:
    def __init__(self, weights):
        self.weights = weights
        self.calls = 0

    def score(self, word):
        self.calls += 1
        total = 0
        for ch in word:
            total += self.weights.get(ch, 1)
        return total

    def __call__(self, word):
        self.calls += 1
        return -self.score(word)


def weighted(bonus, word):
    tick()
    return len(set(word)) + bonus


def inner_sorted(word):
    letters = list(word)
    letters.sort(key=lambda c: (c in "aeiou", c))
    return "".join(letters)


def generate(n):
    for i in range(n):
        tick()
        yield "w%02d" % (i * 37 % n)


watched = []


def peek(word):
    watched.append(len(current))
    return word


def grow(word):
    current.append(word.upper())
    return word


def fragile(word):
    if word == "lazy":
        raise KeyError(word)
    return word


class Words(list):
    def longest(self):
        return max(self, key=len)


def main():
    words = "the quick brown fox jumps over the lazy dog again and again".split()
    data = list(words)
    data.sort(key=by_length, reverse=True)
    print("reverse by length:", data)
    print("stable:", sorted(words, key=len))
    scorer = Scorer({"q": 10, "z": 10, "x": 8, "j": 8})
    print("bound method:", sorted(words, key=scorer.score)[:5], scorer.calls)
    print("callable:", sorted(words, key=scorer, reverse=1)[:5], scorer.calls)
    print("partial:", sorted(words, key=functools.partial(weighted, 2)))
    print("nested:", sorted(words, key=inner_sorted))
    print("generator:", sorted(generate(9), key=lambda w: w[::-1]))
    global current
    current = list(words)
    current.sort(key=peek)
    print("seen while sorting:", set(watched), current[:3])
    current = list(words[:5])
    try:
        current.sort(key=grow)
    except ValueError as e:
        print("grow:", e, current)
    current = list(words)
    try:
        current.sort(key=fragile)
    except KeyError as e:
        print("fragile:", repr(e), current == words)
    w = Words(words)
    w.sort(key=lambda s: s[-1])
    print("subclass:", w, w.longest())
    big = [(i * 7919) % 1000 for i in range(300)]
    big.sort(key=lambda v: (v % 10, -v))
    print("big:", big[:6], big[-3:], len(big))


main()
