# corpus: small
# covers: module-level state of __main__ (globals rebound with `global`, mutated containers, counters), module-level
#         loops and try blocks, functions reading globals changed after their definition, del of globals
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

COUNTER = 0
REGISTRY = {}
LAST = None
FACTOR = 2


def register(name, value):
    global COUNTER, LAST
    COUNTER += 1
    REGISTRY[name] = value * FACTOR
    LAST = name
    tick()
    return COUNTER


def summary():
    return COUNTER, LAST, dict(REGISTRY)


for i in range(5):
    register("k%d" % i, i)
    print("registered", i, summary())
FACTOR = 10
register("big", 3)
print("after factor change", summary())
temp = [1, 2, 3]
del REGISTRY["k0"]
del temp
print("temp" in globals(), "k0" in REGISTRY)
try:
    print(undefined_name)
except NameError as e:
    print("NameError", e)
while COUNTER < 9:
    register("w%d" % COUNTER, COUNTER)
print("final", summary())
