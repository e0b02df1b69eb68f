"""Finalizers and file-backed arrays: weakref.finalize callbacks (one without a handle, one at exit,
TemporaryDirectory's cleanup) still run after a resume, and a numpy.memmap still writes its file.

Usage: finalizers.py WORKDIR [nosuspend]
"""
import os
import sys
import tempfile
import weakref

import numpy as np

import suspendable

os.chdir(sys.argv[1])
class N: pass
n = N(); weakref.finalize(n, print, "finalized n")
weakref.finalize(N, print, "at exit")
td = tempfile.TemporaryDirectory(dir=".")
mm = np.memmap("t20.dat", dtype="float64", mode="w+", shape=(4,)); mm[0] = 1
if sys.argv[2:] != ["nosuspend"]:
    suspendable.suspend("fin.snap")
mm[1] = 2; mm.flush(); print(np.fromfile("t20.dat").tolist())
del n; print("end", os.path.isdir(td.name))
name = td.name
td.cleanup(); print("cleaned", os.path.isdir(name))
td2 = tempfile.TemporaryDirectory(dir=".")
print("td2", os.path.isdir(td2.name))
