# corpus: defer
# covers: a suspend request that arrives while the program is inside stateful native code calling back into Python
#         (a compiled pattern's sub() with a slow callback): the request cannot be served there; with
#         --safe-point-timeout 1 the program keeps running, stderr names the native function (Pattern.sub), and the
#         output stays identical
import os, re, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def slow_key(x):
    time.sleep(0.02)
    return (x * 7919) % 101


print("start")
data = list(range(150))
text = re.compile(r"\d+").sub(lambda m: str(slow_key(int(m.group()))), " ".join(map(str, data)))
print("replaced", text[:40])
result = sorted(data, key=lambda x: (x * 7919) % 101)
total = 0
for i, v in enumerate(result[:20]):
    total += i * v
    print("after", i, total)
print("done", total)
