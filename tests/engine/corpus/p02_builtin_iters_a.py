# corpus: small
# covers: for over range, list, tuple, str, bytes, bytearray, dict keys/values/items, set, frozenset, dict itself
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def walk():
    acc = 0
    for i in range(3, 20, 4):
        acc += i
        print("range", i, acc)
    for x in [5, 7, 11]:
        acc = acc * 2 - x
        print("list", x, acc)
    for t in (("a", 1), ("b", 2)):
        print("tuple", t[0], t[1])
        tick()
    for ch in "hey!":
        print("str", ch, ord(ch))
        tick()
    for b in b"\x01\x02zz":
        acc ^= b
        print("bytes", b, acc)
    for b in bytearray(b"AB"):
        print("bytearray", b)
    d = {"one": 1, "two": 2, "three": 3}
    for k in d:
        print("dict", k)
    for k in d.keys():
        print("keys", k, len(k))
    for v in d.values():
        acc += v
        print("values", v, acc)
    for k, v in d.items():
        print("items", k, v)
        tick()
    for s in {30, 10, 20}:
        acc += s
        print("set", s, acc)
    for s in frozenset({3, 1, 2}):
        print("frozenset", s)
    return acc


print("walk", walk())
total = 0
for n in range(5):
    total += n * n
    print("module loop", n, total)
