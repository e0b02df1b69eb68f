#!/usr/bin/python3
"""Kernel start-up and execute round-trip, python-suspendable next to xpython and ipykernel, in one run.

    /usr/bin/python3 tests/bench/bench_kernel.py [--starts 10] [--executes 200] [--kernels a,b,c]

For each kernel (found by kernelspec name, the way Jupyter finds it):
  start   time from KernelManager.start_kernel() to the first kernel_info_reply on shell (the request is sent
          right after launch; ZeroMQ queues it until the kernel binds), median of --starts fresh kernels;
  execute round trip of a trivial execute_request ("pass"): send to execute_reply, and send to the iopub
          `idle` that ends it, median of --executes, after 10 warm-up requests.
python-suspendable is installed into a temporary prefix from $SUSPENDABLE_BIN (else build*/suspendable);
Debian's python3 (ipykernel) and xpython kernelspecs come from /usr/share/jupyter. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

import harness  # noqa: E402

KERNELS = ["python-suspendable", "xpython", "python3"]


def first_kernel_info(kernel_name: str) -> float:
    """Seconds from launch to the first kernel_info_reply."""
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    try:
        session = km.session
        shell = km.connect_shell(identity=session.bsession)
        try:
            msg = session.msg("kernel_info_request", {})
            session.send(shell, msg)
            if not shell.poll(60_000):
                raise RuntimeError(f"{kernel_name}: no kernel_info_reply within 60 s")
            session.recv(shell)
            return time.perf_counter() - t0
        finally:
            shell.close(linger=0)
    finally:
        km.shutdown_kernel(now=False)


def execute_round_trips(kernel_name: str, n: int):
    k = harness.Kernel(kernel_name)
    try:
        for _ in range(10):
            k.execute("pass")
        to_reply, to_idle = [], []
        for _ in range(n):
            ex = k.send_execute("pass")
            k.collect(ex, timeout=30)
            if ex.status != "ok":
                raise RuntimeError(f"{kernel_name}: {ex.describe()}")
            idle = next(r for r in ex.iopub if r.msg_type == "status" and r.content["execution_state"] == "idle")
            to_reply.append(ex.reply.t - ex.t_sent)
            to_idle.append(idle.t - ex.t_sent)
            k.drain(0)
        return to_reply, to_idle
    finally:
        k.close()


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--executes", type=int, default=200)
    parser.add_argument("--kernels", default=",".join(KERNELS))
    args = parser.parse_args()
    kernels = [k for k in args.kernels.split(",") if k]

    with tempfile.TemporaryDirectory(prefix="bench-kernel-") as tmp:
        binary = harness.suspendable_binary() if harness.SUSPENDABLE_KERNEL in kernels else None
        if harness.SUSPENDABLE_KERNEL in kernels and binary is None:
            print("python-suspendable: no binary (set SUSPENDABLE_BIN); skipped", file=sys.stderr)
            kernels.remove(harness.SUSPENDABLE_KERNEL)
        env = harness.hermetic_environment(Path(tmp), binary)
        for var in harness.UNSET_VARS:
            os.environ.pop(var, None)
        os.environ.update(env)

        rows = []
        for name in kernels:
            if not harness.have_kernelspec(name):
                print(f"{name}: kernelspec not found; skipped", file=sys.stderr)
                continue
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            starts = [first_kernel_info(name) for _ in range(args.starts)]
            to_reply, to_idle = execute_round_trips(name, args.executes)
            rows.append((name, starts, to_reply, to_idle))

    print()
    print(f"kernel start to first kernel_info_reply (median of {args.starts}), "
          f"trivial execute_request round trip (median of {args.executes}); milliseconds")
    print()
    header = f"{'kernel':<20} {'start med':>9} {'start min':>9} {'exec->reply':>11} {'p90':>8} {'exec->idle':>10}"
    print(header)
    print("-" * len(header))
    for name, starts, to_reply, to_idle in rows:
        p90 = sorted(to_reply)[int(0.9 * (len(to_reply) - 1))]
        print(f"{name:<20} {fmt_ms(statistics.median(starts)):>9} {fmt_ms(min(starts)):>9} "
              f"{fmt_ms(statistics.median(to_reply)):>11} {fmt_ms(p90):>8} {fmt_ms(statistics.median(to_idle)):>10}")
    print()
    print(f"host: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
