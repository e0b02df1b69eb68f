# corpus: defer
# covers: a suspend request that arrives while the program is inside stateful native code calling back into Python
#         (max(key=) with a slow key): the request cannot be served there; with --safe-point-timeout 1 the program
#         keeps running, stderr names the native function (max), and the output stays identical
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def slow_key(x):
    time.sleep(0.02)
    return (x * 7919) % 101


print("start")
data = list(range(150))
best = max(data, key=slow_key)
print("max", best, slow_key(best))
result = sorted(data, key=lambda x: (x * 7919) % 101)
total = 0
for i, v in enumerate(result[:20]):
    total += i * v
    print("after", i, total)
print("done", total)
