"""A 96 MB array and a view of it through checkpoint/resume (the data goes into the snapshot's buffers)."""
import sys

import numpy as np

import suspendable

data = np.arange(12_000_000, dtype=np.float64)
view = data[1000:2000:2]


def work():
    total = float(data.sum())
    resumed = suspendable.checkpoint(sys.argv[1] if len(sys.argv) > 1 else None)
    if resumed:
        data[1000] = -1.0
        ok = float(np.arange(12_000_000, dtype=np.float64).sum()) == total and view[0] == -1.0 \
            and data.flags.writeable and view.strides == (16,)
        print("big array ok" if ok else "big array FAIL")


work()
