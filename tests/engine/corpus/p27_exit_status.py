# corpus: small
# covers: the program's exit status survives suspend/resume: sys.exit(3) from a nested function after work,
#         with a finally block and an atexit-free shutdown
import os, sys, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def work(n):
    acc = []
    for i in range(n):
        acc.append(i * i % 13)
        print("work", i, acc[-1])
        tick()
    return acc


def finish(acc):
    try:
        print("finishing with", sum(acc))
        sys.stdout.flush()
        sys.exit(3)
    finally:
        print("finally before exit")


finish(work(15))
print("not reached")
