"""Snapshot write bandwidth against dd, and resume time of a 2 GB snapshot (not part of ctest: it
writes ~5 GB). Run:

    SUSPENDABLE_BUILD=/work/main/build-format /usr/bin/python3 tests/format/bench_format.py [DIR]

DIR (default: a temporary directory under the build tree) should be on the disk snapshots go to.
"""

import os
import pickle
import subprocess
import sys
import tempfile
import time

import numpy as np

BUILD = os.environ.get("SUSPENDABLE_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build-format"))
sys.path[:0] = [os.path.join(BUILD, "python-ext")]
import _suspendable_format as fmt  # noqa: E402

GiB = 1 << 30


def dd(path):
    t = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=1M", "count=1024", "conv=fsync"], check=True,
                   capture_output=True)
    return time.perf_counter() - t


def write_snapshot(path, arrays):
    buffers = []
    data = pickle.dumps(arrays, protocol=5, buffer_callback=lambda b: buffers.append(b.raw()))
    t = time.perf_counter()
    fmt.write(path, {"bench": True}, data, buffers)
    return time.perf_counter() - t


def drop_cache(path):
    # Evicts the file's clean pages: a "cold" resume without root's drop_caches.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def resume(path, verify_buffers):
    t = time.perf_counter()
    manifest, data, buffers = fmt.read(path, verify_buffers=verify_buffers)
    arrays = pickle.loads(data, buffers=buffers)
    ready = time.perf_counter() - t
    first = arrays[0][12345]  # one page faulted in
    return ready, first


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else BUILD
    with tempfile.TemporaryDirectory(dir=base) as d:
        os.environ.setdefault("SUSPENDABLE_HOME", os.path.join(d, "home"))
        one = [np.random.default_rng(1).integers(0, 255, GiB, dtype=np.uint8)]
        for round in range(2):
            t_dd = dd(os.path.join(d, "dd.bin"))
            t_snap = write_snapshot(os.path.join(d, "one.snap"), one)
            print(f"round {round}: dd 1 GiB conv=fsync {1 / t_dd:.2f} GiB/s ({t_dd:.2f} s); "
                  f"snapshot 1 GiB buffer {1 / t_snap:.2f} GiB/s ({t_snap:.2f} s)")
        del one
        two = [np.ones(GiB, dtype=np.uint8), np.full(GiB, 7, dtype=np.uint8)]
        big = os.path.join(d, "two.snap")
        t = write_snapshot(big, two)
        del two
        print(f"2 GiB snapshot written in {t:.2f} s ({2 / t:.2f} GiB/s)")
        for verify in (True, False):
            ready, _ = resume(big, verify)
            print(f"resume 2 GiB (page cache warm), verify_buffers={verify}: {ready * 1000:.0f} ms to unpickled")
        for verify in (False, True):
            drop_cache(big)
            ready, _ = resume(big, verify)
            print(f"resume 2 GiB after FADV_DONTNEED (cold), verify_buffers={verify}: {ready * 1000:.0f} ms")


if __name__ == "__main__":
    main()
