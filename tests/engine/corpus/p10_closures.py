# corpus: small
# covers: closures, cells, nonlocal, cells shared between several closures and the defining frame, closures
#         created in a loop, lambda default capture, closure over a cell mutated after creation
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def make_counter(start):
    count = start
    history = []

    def inc(by=1):
        nonlocal count
        count += by
        history.append(count)
        tick()
        return count

    def get():
        return count, list(history)

    return inc, get


def outer(n):
    bonus = 1
    bump = lambda x: x + bonus
    total = 0
    for i in range(n):
        total = bump(total)
        bonus += i
        print("outer", i, total, bonus)
        tick()
    return total


def loop_closures():
    fs = []
    for i in range(4):
        fs.append(lambda i=i: i * i)
    late = [lambda: j for j in range(3)]
    return [f() for f in fs], [f() for f in late]


def deep_nonlocal():
    a = 0
    def l1():
        b = 10
        def l2():
            nonlocal a, b
            tick()
            a += 1
            b += a
            return a, b
        r = []
        for _ in range(3):
            r.append(l2())
        return r
    res = l1()
    return a, res


inc, get = make_counter(5)
for k in range(5):
    print("inc", inc(k))
print("get", get())
print("outer", outer(6))
print("loops", loop_closures())
print("deep", deep_nonlocal())
inc2, get2 = make_counter(100)
inc2()
print("independent", get(), get2())
