# corpus: small
# covers: frame objects held by the program across a suspension: sys._getframe() of a running frame in a
#         local (f_back, f_lineno, f_locals, identity after resume), inspect.currentframe() chains walked
#         through f_back, traceback.extract_stack / inspect.getouterframes over live frames, the frame of a finished
#         call (code and position), a traceback whose first frame is still running, extract_tb of frames
#         that finished
import inspect
import os
import sys
import time
import traceback

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)


def tick():
    if SLOW:
        time.sleep(SLOW)


def names(frame, stop):
    out = []
    while frame is not None:
        out.append(frame.f_code.co_name)
        if frame.f_code.co_name == stop:
            break
        frame = frame.f_back
    return out


def watcher(n):
    me = sys._getframe()
    caller = me.f_back
    total = 0
    for i in range(n):
        total += i * i
        tick()
        print("watch", i, me.f_lineno, caller.f_code.co_name, me.f_back is caller, me.f_locals["total"])
    print("watch locals", sorted(me.f_locals))
    return total


def deep(level):
    if level == 0:
        here = inspect.currentframe()
        tick()
        print("deep chain", names(here, "<module>"))
        summary = traceback.extract_stack(here)
        print("deep stack", [(f.name, f.lineno) for f in summary][-5:])
        tick()
        outer = inspect.getouterframes(here, context=0)
        print("deep outer", [(fi.frame.f_code.co_name, fi.lineno) for fi in outer][:3])
        return level
    return deep(level - 1) + 1


def finished():
    x = 41
    x += 1
    return sys._getframe(), x


def keep_traceback():
    try:
        raise KeyError("k")
    except KeyError as e:
        tb = e.__traceback__
    tick()
    print("tb frame is running frame", tb.tb_frame is sys._getframe(), tb.tb_lineno)
    return tb


def raiser(k):
    if k == 0:
        raise ValueError("bottom")
    return raiser(k - 1)


def main():
    print("watcher", watcher(5))
    print("deep", deep(3))
    f, x = finished()
    tick()
    print("finished", f.f_code.co_name, f.f_lineno, x)
    tb = keep_traceback()
    print("kept", [(s.name, s.lineno) for s in traceback.extract_tb(tb)])
    try:
        raiser(3)
    except ValueError as e:
        err = e
    tick()
    for s in traceback.extract_tb(err.__traceback__):
        print("tb", s.name, s.lineno, s.line)
        tick()
    outer = sys._getframe()
    for i in range(3):
        tick()
        print("main", i, outer.f_lineno, outer is sys._getframe(), outer.f_back.f_code.co_name)


main()
