"""atexit handlers registered before the suspend run when the resumed program exits, in the same
order, once each (also a library's, whose module is imported again at resume); an unregistered one
does not run.

Usage: exit_handlers.py WORKDIR [nosuspend]
"""
import atexit
import os
import sys

import suspendable

results = []


def report(label, total=None):
    print("at exit:", label, total if total is not None else sum(results), flush=True)


@atexit.register
def last():
    print("at exit: decorated", len(results), flush=True)


atexit.register(report, "first", total=-1)
atexit.register(print, "at exit: builtin print with", "args")
atexit.register(report, "dropped")
atexit.unregister(report)
atexit.register(report, "summary")

import logging.handlers  # noqa: E402 - a library registering its own handler after the start

for i in range(6):
    if i == 3 and sys.argv[2:] != ["nosuspend"]:
        suspendable.suspend(os.path.join(sys.argv[1], "exit.snap"))
    results.append(i * i)
    print("step", i)
