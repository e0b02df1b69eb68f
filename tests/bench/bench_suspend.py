#!/usr/bin/python3
"""Suspension in the kernel, measured the way a front end sees it (not a test; prints a table).

  /usr/bin/python3 tests/bench/bench_suspend.py [--bin build/suspendable] [--runs 9] [--gigabytes 1]

1. %suspend sent while a small-state cell runs: time from sending %suspend to the running cell's
   execute_reply, and to the %suspend cell's reply (median and max over --runs).
2. Kernel restart to restored namespace for a session of --gigabytes of numpy arrays: time from
   restart_kernel() to the first execution's reply (which carries the restore message), next to a
   restart of an empty session measured in the same run.
"""
import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[2]

LONG_CELL = """
import time
def work(n):
    total = 0
    for i in range(n):
        total += i
        time.sleep(0.01)
    return total
work(100000)
"""


def wait_reply(kc, msg_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg, time.monotonic()


def drain_iopub(kc):
    try:
        while True:
            kc.get_iopub_msg(timeout=0.01)
    except queue.Empty:
        pass


def start(env):
    km = KernelManager(kernel_name="python-suspendable")
    # Saving a big session at shutdown takes longer than jupyter_client's default 5 s wait.
    km.shutdown_wait_time = 120
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def suspend_latency(env, runs):
    km, kc = start(env)
    to_cell, to_magic = [], []
    try:
        for i in range(runs):
            cell = kc.execute(LONG_CELL)
            time.sleep(0.5)
            t0 = time.monotonic()
            magic = kc.execute(f"%suspend bench-{i}")
            replies = {}
            while len(replies) < 2:
                msg = kc.get_shell_msg(timeout=30)
                replies[msg["parent_header"]["msg_id"]] = time.monotonic()
            to_cell.append(replies[cell] - t0)
            to_magic.append(replies[magic] - t0)
            drain_iopub(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return to_cell, to_magic


def restart_time(env, gigabytes):
    km, kc = start(env)
    try:
        if gigabytes:
            n = int(gigabytes * (1 << 30) / 8 / 16)
            code = f"import numpy as np\narrays = [np.arange({n}, dtype=np.float64) for _ in range(16)]\nNone"
            _, _ = wait_reply(kc, kc.execute(code), timeout=300)
        else:
            _, _ = wait_reply(kc, kc.execute("x = 1"), timeout=60)
        drain_iopub(kc)
        t0 = time.monotonic()
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=300)
        check = "int(sum(float(a[-1]) for a in arrays))" if gigabytes else "x"
        reply, t1 = wait_reply(kc, kc.execute(check), timeout=300)
        assert reply["content"]["status"] == "ok", reply["content"]
        return t1 - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("SUSPENDABLE_BIN", str(ROOT / "build" / "suspendable")))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--gigabytes", type=float, default=1.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-suspend-"))
    try:
        subprocess.run([args.bin, "install-kernelspec", "--prefix", str(tmp / "prefix")], check=True,
                       stdout=subprocess.DEVNULL)
        env = dict(os.environ, SUSPENDABLE_HOME=str(tmp / "home"), IPYTHONDIR=str(tmp / "ipython"),
                   JUPYTER_PATH=str(tmp / "prefix/share/jupyter"))
        os.environ.update(JUPYTER_PATH=env["JUPYTER_PATH"], SUSPENDABLE_HOME=env["SUSPENDABLE_HOME"])
        to_cell, to_magic = suspend_latency(env, args.runs)
        empty = restart_time(env, 0)
        big = restart_time(env, args.gigabytes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ms = lambda v: f"{v * 1000:8.1f} ms"  # noqa: E731
    print(f"{'measure':58} {'median':>11} {'max':>11}")
    print(f"{'%suspend sent -> running cell execute_reply':58} {ms(statistics.median(to_cell))} {ms(max(to_cell))}")
    print(f"{'%suspend sent -> %suspend execute_reply':58} {ms(statistics.median(to_magic))} {ms(max(to_magic))}")
    print(f"{'restart -> first reply, empty session':58} {ms(empty)}")
    print(f"{f'restart -> first reply, {args.gigabytes:g} GB of arrays restored':58} {ms(big)}")
    print(f"(runs={args.runs}; ratio big/empty restart = {big / empty:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
