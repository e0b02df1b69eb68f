"""State a program puts outside its own objects, and containers whose Python hooks must not run
twice: stopped once with suspendable.suspend() in the middle of each situation.

Usage: process_hooks.py WORKDIR [nosuspend]
"""
import collections
import csv
import io
import os
import signal
import sys
import types
from contextlib import redirect_stdout

import numpy as np

import suspendable

WORKDIR = sys.argv[1]
SUSPEND = sys.argv[2:] != ["nosuspend"]


def stop(path=None):
    if SUSPEND:
        suspendable.suspend(path)  # None: where the run or the resume was told to save


class Cents(dict):
    def __setitem__(self, key, euros):
        super().__setitem__(key, round(euros * 100))


class Tagged(list):
    def append(self, item):
        super().append(("tag", item))

    def extend(self, items):
        for item in items:
            self.append(item)


class Doubled(collections.OrderedDict):
    def __setitem__(self, key, value):
        super().__setitem__(key, value * 2)


alarms = []
signal.signal(signal.SIGALRM, lambda signum, frame: alarms.append(signum))
sys.excepthook = lambda kind, value, tb: print("excepthook:", kind.__name__, value)
sys.set_int_max_str_digits(0)
np.set_printoptions(precision=3)
np.seterr(divide="raise")
csv.register_dialect("pipes", delimiter="|")
prices, tags, doubled = Cents(), Tagged(), Doubled()
prices["apple"] = 1.25
tags.extend([1, 2])
doubled["b"], doubled["a"] = 1, 2
config = types.ModuleType("config", "made at run time")
config.LEVEL = 3
buf = io.StringIO()
with redirect_stdout(buf):
    print("captured before")
    stop(os.path.join(WORKDIR, "redirected.snap"))
    print("captured after")
print("captured:", buf.getvalue().splitlines(), sys.stdout is sys.__stdout__)
signal.setitimer(signal.ITIMER_REAL, 0.3)
stop()
signal.pause()
out = io.StringIO()
csv.writer(out, "pipes").writerow([1, 2])
print(prices, tags, doubled, list(doubled), config.LEVEL, config.__doc__, alarms, len(str(10 ** 5000)),
      np.array([1 / 3]), out.getvalue().strip(), os.path.basename(sys.orig_argv[1]), sys.orig_argv[2:] == sys.argv[1:])
try:
    np.array([1.0]) / 0
except FloatingPointError as e:
    print("numpy:", e)
raise RuntimeError("the end")
