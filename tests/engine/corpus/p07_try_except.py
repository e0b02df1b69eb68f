# corpus: small
# covers: try/except/else/finally with multi-line except and finally bodies (suspend points inside handlers),
#         sys.exc_info() inside handlers, __context__ from a nested raise, traceback.extract_tb line numbers,
#         finally on the exceptional path (exception on the stack until RERAISE), return inside finally
import os, sys, time, traceback
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def tb_lines(exc):
    return [(os.path.basename(f.filename), f.lineno, f.name) for f in traceback.extract_tb(exc.__traceback__)]


def risky(i):
    if i % 3 == 0:
        raise ValueError("bad %d" % i)
    if i % 3 == 1:
        return {"k": i}["missing" if i > 3 else "k"]
    return i * 10


def handle(i):
    log = []
    try:
        v = risky(i)
        log.append("ok")
    except ValueError as e:
        log.append("value")
        tick()
        name = sys.exc_info()[0].__name__
        log.append(name)
        try:
            raise RuntimeError("nested")
        except RuntimeError as r:
            log.append(repr(r.__context__))
        log.append(str(tb_lines(e)))
        v = -1
    except KeyError as e:
        log.append("key " + str(e))
        log.append(str(tb_lines(e)))
        v = -2
    else:
        log.append("else")
        v += 1
    finally:
        log.append("finally")
        tick()
        log.append("exc_info=" + str(sys.exc_info()[0]))
    return v, log


def through_finally(i):
    try:
        try:
            if i % 2:
                raise IndexError(i)
            return "normal"
        finally:
            print("  finally A", i)
            tick()
            print("  finally B", i)
    except IndexError as e:
        print("  caught after finally", e.args, tb_lines(e))
        return "exc"


def finally_return(i):
    try:
        if i:
            raise OSError("swallowed")
    finally:
        print("  finally_return", i)
        return i * 2


for i in range(6):
    v, log = handle(i)
    print("handle", i, v, log)
    print("through", i, through_finally(i))
print("fr", finally_return(0), finally_return(3))
