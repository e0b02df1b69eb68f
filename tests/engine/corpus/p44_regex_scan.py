# corpus: small
# covers: re.finditer iterators (str with a position, bytes with pos/endpos, empty matches that must
#         advance) held across a suspend, a tokenizer driven by a scanner, sets whose iteration order
#         depends on their history of insertions and deletions
import os
import re
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


TOKEN = re.compile(r"\s*(?:(\d+)|(.))")


def tokens(source):
    for m in TOKEN.finditer(source):
        tick()
        yield m.group(1) or m.group(2)


def evaluate(source):
    stack = []
    for tok in tokens(source):
        if tok.isdigit():
            stack.append(int(tok))
        else:
            b, a = stack.pop(), stack.pop()
            stack.append({"+": a + b, "-": a - b, "*": a * b}[tok])
    return stack.pop()


text = "alpha beta gamma delta epsilon zeta eta theta " * 2
words = []
for m in re.finditer(r"\b(\w)(\w*)", text):
    tick()
    words.append(m.group(1).upper() + m.group(2))
    print(m.start(), m.group(0))
for m in re.compile(rb"a+").finditer(text.encode(), 3, 60):
    tick()
    print("bytes", m.span())
for m in re.finditer(r"x*", "axxbx"):
    tick()
    print("empty", m.span())
print(" ".join(words[:6]))
print("rpn", evaluate("3 4 + 2 * 7 -"), evaluate("10 2 3 * -"))
seen = set()
for i in range(40):
    tick()
    seen.add(i * 37 % 101)
    seen.add(i * 64)
    if i % 7 == 0:
        seen.discard(i * 64)
    if i % 10 == 9:
        print("seen", list(seen)[:12])
