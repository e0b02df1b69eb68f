# corpus: small
# covers: random.Random(seed) instances (state must travel), the global random module after random.seed,
#         shuffle/choice/randint/uniform/gauss/sample, two independent generators interleaved
import random
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

random.seed(12345)
r1 = random.Random(42)
r2 = random.Random("seed-two")


def draw(rng, tag):
    a = rng.randint(0, 1000)
    b = rng.random()
    c = rng.choice("abcdefgh")
    tick()
    return "%s %d %.12f %s" % (tag, a, b, c)


for i in range(6):
    print(draw(r1, "r1"))
    print(draw(r2, "r2"))
    print("global", random.randint(0, 10 ** 6), "%.10f" % random.uniform(-1, 1))
deck = list(range(12))
r1.shuffle(deck)
print("shuffled", deck)
random.shuffle(deck)
print("global shuffled", deck)
print("sample", r2.sample(range(100), 5))
print("gauss", "%.10f" % r1.gauss(0, 1), "%.10f" % random.gauss(5, 2))
print("getrandbits", r1.getrandbits(64), random.getrandbits(40))
