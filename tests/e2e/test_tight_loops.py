"""Loops that never block. One that jumps to itself (`while True: pass` on one line) emits no line event
at all: the engine stops it at its backward jump instead (opcode events of the running frame, only while
a request waits). In the kernel, a cell that never releases the GIL must still see the request."""

import signal
import subprocess
import time

import pytest

import harness

BIN = harness.suspendable_binary()

SPIN = "import sys\nprint('spinning', flush=True)\nwhile True: pass\n"


def _suspend_when_spinning(args, cwd):
    proc = subprocess.Popen([str(BIN), *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        if args[0] == "run":
            assert proc.stdout.readline() == "spinning\n"
        time.sleep(0.3)
        proc.send_signal(signal.SIGUSR1)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc


@pytest.mark.skipif(BIN is None, reason="the suspendable binary was not found")
def test_a_self_loop_is_suspended_and_resumed_again(tmp_path):
    (tmp_path / "spin.py").write_text(SPIN)
    first = _suspend_when_spinning(["run", "--snapshot", tmp_path / "s.snap", "spin.py"], tmp_path)
    assert first.returncode == 75, first.stderr.read()
    assert "suspended at" in first.stderr.read()
    again = _suspend_when_spinning(["resume", tmp_path / "s.snap"], tmp_path)
    assert again.returncode == 75, again.stderr.read()


# Pure computation never releases the GIL: a request from the kernel's I/O thread must still reach it
# (CPython 3.11 notices a pending call added by another thread only when the main thread retakes the GIL).
@pytest.mark.parametrize("loop", ["while True: pass\n",
                                  "def crunch():\n    n = 0\n    while True:\n        n = (n * 7 + 1) % 1000003\ncrunch()\n"],
                         ids=["self-loop", "arithmetic"])
def test_a_cell_that_never_blocks_is_suspended_by_suspend(fresh_kernel, kernel_name, loop):
    if kernel_name != harness.SUSPENDABLE_KERNEL:
        pytest.skip("a feature of the python-suspendable kernel")
    fresh_kernel.ok("x = 41")
    running = fresh_kernel.send_execute("x += 1\nprint('spinning', flush=True)\n" + loop)
    deadline = time.monotonic() + 15
    while "spinning" not in "".join(r.content.get("text", "") for r in fresh_kernel.messages("iopub", running.msg_id)):
        assert time.monotonic() < deadline, "the cell never started"
        fresh_kernel.pump(0.05)
    time.sleep(0.2)  # inside the loop now
    suspend = fresh_kernel.send_execute("%suspend spin")
    fresh_kernel.collect(running, timeout=15)
    fresh_kernel.collect(suspend, timeout=15)
    assert running.status == "aborted" and "suspended at cell" in running.stderr, running.describe()
    assert suspend.status == "ok", suspend.describe()
    assert fresh_kernel.eval_text("x") == "42"
