"""Checks (inside `suspendable run`) that graph's pickler sends array data out-of-band."""
import pickle
import sys

import numpy as np
import pandas as pd

from suspendable import graph

ns = sys.modules["__main__"].__dict__
failures = []


def check(label, obj, min_oob):
    buffers = []
    data = graph.dumps(obj, ns, buffer_callback=buffers.append)
    oob = sum(b.raw().nbytes for b in buffers)
    if not all(isinstance(b, pickle.PickleBuffer) for b in buffers) or oob < min_oob or len(data) > 64 * 1024:
        failures.append(f"{label}: {len(buffers)} buffers, {oob} bytes out-of-band, {len(data)} bytes in the stream")
    back = graph.loads(data, ns, buffers)
    return back


big = np.arange(4_000_000, dtype=np.float64)  # 32 MB
back = check("contiguous array", big, big.nbytes)
if not np.array_equal(back, big):
    failures.append("contiguous array: values differ")
# A non-contiguous slice travels as a view of its base: the base goes out-of-band, nothing is copied.
sliced = big[::3]
back = check("non-contiguous slice", sliced, big.nbytes)
if not np.array_equal(back, sliced) or back.strides != sliced.strides:
    failures.append("non-contiguous slice: values or strides differ")
pair = check("array and view", [big, big[10:20]], big.nbytes)
if not np.shares_memory(pair[0], pair[1]) or pair[1][0] != 10:
    failures.append("array and view: the view no longer shares its base")
fortran = np.asfortranarray(np.arange(1_000_000, dtype=np.int32).reshape(1000, 1000))
back = check("fortran array", fortran, fortran.nbytes)
if not back.flags.f_contiguous or not np.array_equal(back, fortran):
    failures.append("fortran array: layout or values differ")
df = pd.DataFrame({"a": np.arange(1_000_000, dtype=np.float64), "b": np.arange(1_000_000, dtype=np.int64)})
back = check("DataFrame", df, 16_000_000)
if not back.equals(df):
    failures.append("DataFrame: differs")
strings = np.array(["x"] * 10, dtype=object)  # object arrays are pickled in-band, element by element
buffers = []
graph.dumps(strings, ns, buffer_callback=buffers.append)
if buffers:
    failures.append("object array: unexpected out-of-band buffer")

for f in failures:
    print("FAIL", f)
if not failures:
    print("all buffer checks passed")
