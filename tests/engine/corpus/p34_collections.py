# corpus: small
# covers: collections Counter/defaultdict/OrderedDict/deque/namedtuple, heapq, bisect, string methods and formatting,
#         str.join over generators; outputs sorted where order would depend on hashing
import bisect
import heapq
import os, time
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

TEXT = """the quick brown fox jumps over the lazy dog the fox
was quick and the dog was lazy but the dog slept"""
Pair = namedtuple("Pair", "word count")

counts = Counter(TEXT.split())
print("most common", sorted(counts.most_common(4), key=lambda p: (-p[1], p[0])))
by_len = defaultdict(list)
for w in TEXT.split():
    by_len[len(w)].append(w)
    tick()
for k in sorted(by_len):
    print("len", k, sorted(set(by_len[k])))
od = OrderedDict()
for w in TEXT.split()[:8]:
    od[w] = od.get(w, 0) + 1
    od.move_to_end(w)
print("ordered", list(od.items()))
dq = deque(maxlen=4)
for i, w in enumerate(TEXT.split()):
    dq.append(w)
    if i % 5 == 0:
        print("deque", list(dq))
heap = []
for w, c in counts.items():
    heapq.heappush(heap, (-c, w))
top = [heapq.heappop(heap) for _ in range(3)]
print("heap", top)
sorted_words = []
for w in TEXT.split():
    bisect.insort(sorted_words, w)
print("bisect", sorted_words[:6], bisect.bisect_left(sorted_words, "m"))
pairs = [Pair(w, c) for w, c in sorted(counts.items())]
print("pairs", pairs[:3], pairs[0].word, pairs[0]._asdict())
print("fmt", "|".join("%-6s%3d" % (p.word, p.count) for p in pairs[:4]))
print("f-string", f"{len(pairs):>5}|{counts['the']:#x}|{3.14159:.2f}")
