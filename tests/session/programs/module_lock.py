"""A module-level lock that code of an imported module took with acquire() is held at the suspend; the
resumed frame releases it (as tempfile.gettempdir does with its _once_lock), and the module, imported
afresh, must have it taken again. Also: an os.fwalk() walk refuses the suspend (its locals are
directory descriptors of this process) and the program goes on.

Usage: module_lock.py WORKDIR [nosuspend]
"""
import os
import sys

import suspendable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import module_lock_lib  # noqa: E402

work = sys.argv[1]
os.makedirs(os.path.join(work, "tree", "sub"), exist_ok=True)
for root, dirs, files, rootfd in os.fwalk(os.path.join(work, "tree")):
    if sys.argv[2:] != ["nosuspend"]:
        suspendable.suspend(os.path.join(work, "never.snap"))  # refused: the walk goes on
    print("walked", os.path.relpath(root, work))


def stop_here():
    if sys.argv[2:] != ["nosuspend"]:
        suspendable.suspend(os.path.join(work, "lock.snap"))


print(module_lock_lib.guarded(3, stop_here))
print(module_lock_lib.guarded(4, lambda: None))
