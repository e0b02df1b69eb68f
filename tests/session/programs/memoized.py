"""functools.cache / lru_cache entries and statistics survive a resume: a memoized function does not
run (and print) again for arguments it has seen, and a bounded cache evicts in the same order.

Usage: memoized.py WORKDIR [nosuspend]
"""
import functools
import os
import sys

import suspendable


@functools.cache
def load(name):
    print("loading", name)
    return name.upper()


@functools.lru_cache(maxsize=2)
def scaled(k, scale=1):
    print("computing", k, scale)
    return k * scale


for i in range(12):
    if i == 5 and sys.argv[2:] != ["nosuspend"]:
        suspendable.suspend(os.path.join(sys.argv[1], "memo.snap"))
    print(i, load("abc"[i % 3]), scaled(i % 3, scale=2), scaled(i % 4))
print(load.cache_info(), scaled.cache_info())
