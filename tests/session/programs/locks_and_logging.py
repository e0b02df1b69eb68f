"""A script whose state holds locks, a queue, an event, a thread-local and logging handlers: what
long-running jobs hold. It saves with suspendable.checkpoint while it holds the locks and logs.

Usage: locks_and_logging.py SNAPSHOT  (run in the directory where app.log is written)
"""
import logging
import queue
import socket
import sys
import threading

import suspendable


class SocketHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.sock = socket.socket()

    def emit(self, record):
        pass


# The root logger is configured but referenced by nothing of the program: only logging knows it.
logging.basicConfig(filename="app.log", level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
log = logging.getLogger("app")
log.setLevel(logging.DEBUG)
logging.getLogger("net").addHandler(SocketHandler())
jobs = queue.Queue()
ready = threading.Event()
rlock = threading.RLock()
lock = threading.Lock()
local = threading.local()
local.x = 41
worker = threading.Thread(target=jobs.put, args=("from worker",))
worker.start()
worker.join()
main = threading.current_thread()


def work():
    with rlock, rlock, lock:
        logging.info("before")
        log.debug("debug before")
        ready.set()
        resumed = suspendable.checkpoint(sys.argv[1])
        logging.info("after %s", resumed)
        log.debug("debug after %s", resumed)
        rlock.release()
        once = rlock._is_owned()  # held twice: still held after one release
        rlock.acquire()
        print(resumed, once, lock.locked(), ready.is_set(), local.x, jobs.get_nowait(), worker.is_alive(),
              main is threading.main_thread(), flush=True)
    print("released", rlock._is_owned(), lock.acquire(False), flush=True)


work()
logging.shutdown()
with open("app.log") as f:
    print(f.read(), end="")
