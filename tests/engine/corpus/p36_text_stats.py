# corpus: large
# covers: a longer text-processing workload (thousands of line events): deterministic pseudo-text generated from a
#         seeded Random, tokenising with a hand-written scanner, word frequencies, n-grams via zip, str methods
import random
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

SYL = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi"]


def make_text(rng, words):
    out = []
    for i in range(words):
        w = "".join(rng.choice(SYL) for _ in range(rng.randint(1, 3)))
        out.append(w)
        if i % 9 == 8:
            out.append(".")
            tick()
    return " ".join(out)


def scan(text):
    tokens = []
    cur = []
    for ch in text:
        if ch.isalpha():
            cur.append(ch)
        else:
            if cur:
                tokens.append("".join(cur))
                cur = []
            if ch == ".":
                tokens.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


def stats(tokens):
    freq = {}
    for t in tokens:
        if t != ".":
            freq[t] = freq.get(t, 0) + 1
    bigrams = {}
    for a, b in zip(tokens, tokens[1:]):
        if "." not in (a, b):
            bigrams[a + " " + b] = bigrams.get(a + " " + b, 0) + 1
    return freq, bigrams


rng = random.Random(2024)
for chunk in range(4):
    text = make_text(rng, 60)
    toks = scan(text)
    freq, bigrams = stats(toks)
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    topb = sorted(bigrams.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    print("chunk", chunk, "tokens", len(toks), "top", top, "bigrams", topb)
    print("sentence", " ".join(toks[:10]))
    tick()
