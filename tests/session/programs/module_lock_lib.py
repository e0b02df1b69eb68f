"""Helper module of module_lock.py: a module-level lock taken and released explicitly."""
import threading

_lock = threading.Lock()
_rlock = threading.RLock()


def guarded(n, hook):
    _lock.acquire()
    try:
        with _rlock, _rlock:
            total = sum(range(n))
            hook()
            return total, _lock.locked()
    finally:
        _lock.release()
