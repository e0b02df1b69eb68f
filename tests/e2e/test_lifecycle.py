"""Interrupt, restart and shutdown, the way jupyter_client's KernelManager does them (interrupt_mode signal:
SIGINT to the kernel's process group; shutdown: SIGINT, then shutdown_request on control, then SIGTERM/SIGKILL
if the kernel does not exit in time)."""

import time

import pytest

import harness


def _wait_busy(kernel, ex, seconds=0.3):
    """Wait until the cell has started (execute_input seen), then a little longer."""
    deadline = time.monotonic() + 30
    while not any(r.msg_type == "execute_input" for r in kernel.messages("iopub", ex.msg_id)):
        assert time.monotonic() < deadline, "cell never started"
        kernel.pump(0.05)
    time.sleep(seconds)


@pytest.mark.parametrize(
    "code",
    [
        "import time\ntime.sleep(10)",
        "while True:\n    pass",
        "import threading\nthreading.Event().wait(10)",
        "import subprocess\nsubprocess.run(['sleep', '10'])",
        "!sleep 10",
        "while True:\n    print('x' * 200)",
    ],
    ids=["sleep", "busy-loop", "event-wait", "subprocess", "shell-escape", "print-loop"],
)
def test_interrupt_running_cell(fresh_kernel, code):
    k = fresh_kernel
    k.ok("kept = 'namespace survives'")
    ex = k.send_execute(code)
    _wait_busy(k, ex)
    t0 = time.monotonic()
    k.interrupt()
    k.collect(ex, timeout=15)
    elapsed = ex.reply.t - t0
    if code.startswith("!"):
        # IPython's system() catches the interrupt of the child and reports it on stdout ("^C").
        assert ex.status in ("ok", "error"), ex.describe()
    else:
        assert ex.status == "error", ex.describe()
        assert ex.content["ename"] == "KeyboardInterrupt", ex.describe()
    # The bound is 1 s; a cell flooding iopub may first have to flush what it printed.
    limit = 2.0 if "print(" in code else 1.0
    assert elapsed < limit, f"execute_reply {elapsed:.2f}s after the interrupt\n{ex.describe()}"
    assert k.is_alive()
    assert k.eval_text("kept") == "'namespace survives'"


def test_interrupt_inside_try_finally(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute(
        "import time\ncleaned = False\ntry:\n    time.sleep(10)\nfinally:\n    cleaned = True"
    )
    _wait_busy(k, ex)
    k.interrupt()
    k.collect(ex, timeout=15)
    assert ex.content["ename"] == "KeyboardInterrupt"
    assert k.eval_text("cleaned") == "True"


def test_interrupt_while_idle(fresh_kernel):
    k = fresh_kernel
    k.ok("idle_value = 7")
    for _ in range(3):
        k.interrupt()
        time.sleep(0.3)
        assert k.is_alive(), "SIGINT while idle killed the kernel"
    info = k.request("kernel_info_request", {}, timeout=10)
    assert info["status"] == "ok"
    assert k.eval_text("idle_value * 6") == "42"
    # The next cell is not hit by a stale KeyboardInterrupt.
    assert k.ok("import time\ntime.sleep(0.3)\n'fine'").result["text/plain"] == "'fine'"


def test_restart_gives_a_new_process_and_the_expected_namespace(fresh_kernel, is_reference):
    """ipykernel starts empty; python-suspendable restores the namespace it saved at shutdown (issue 6:
    a kernel restarted with the same id restores it and says so at the first execution)."""
    k = fresh_kernel
    k.ok("before_restart = 1")
    k.ok("2")
    old_pid = k.pid
    t0 = time.monotonic()
    k.restart(timeout=60)
    elapsed = time.monotonic() - t0
    assert k.pid != old_pid
    ex = k.execute("before_restart")
    if is_reference:
        assert ex.content["ename"] == "NameError", ex.describe()
    else:
        assert ex.status == "ok" and ex.result["text/plain"] == "1", ex.describe()
        assert "[suspendable] Restored" in ex.stdout, ex.describe()
    assert ex.execution_count == 1, "a restarted kernel counts from 1 again"
    assert k.eval_text("6 * 7") == "42"
    assert elapsed < 15, f"restart took {elapsed:.1f}s"


def test_restart_while_busy(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("import time\ntime.sleep(30)")
    _wait_busy(k, ex)
    t0 = time.monotonic()
    k.restart(timeout=60)
    elapsed = time.monotonic() - t0
    assert k.eval_text("'restarted'") == "'restarted'"
    assert elapsed < 15, f"restart of a busy kernel took {elapsed:.1f}s"


def test_shutdown_request_is_clean_and_fast(fresh_kernel):
    k = fresh_kernel
    k.ok("x = 1")
    reply, elapsed, status = k.shutdown_request(timeout=10)
    assert reply["status"] == "ok"
    assert reply["restart"] is False
    assert status is not None, f"kernel still running {elapsed:.1f}s after shutdown_request"
    assert status == 0, f"kernel exit status {status}"
    assert elapsed < 5.0, f"shutdown took {elapsed:.2f}s"


def test_kernel_manager_shutdown_is_clean(fresh_kernel):
    """jupyter_client's own sequence (SIGINT, shutdown_request, wait): no SIGTERM/SIGKILL needed."""
    k = fresh_kernel
    k.ok("x = 1")
    t0 = time.monotonic()
    k.km.shutdown_kernel(now=False)
    elapsed = time.monotonic() - t0
    status = getattr(k.km, "_shutdown_status", None)
    assert status is None or status.name == "ShutdownRequest", f"kernel needed {status}"
    assert elapsed < 5.0, f"shutdown took {elapsed:.2f}s"
    assert not k.km.is_alive()


def test_shutdown_while_busy(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("import time\ntime.sleep(30)")
    _wait_busy(k, ex)
    t0 = time.monotonic()
    k.km.shutdown_kernel(now=False)
    elapsed = time.monotonic() - t0
    assert not k.km.is_alive()
    assert elapsed < 5.0, f"shutdown of a busy kernel took {elapsed:.2f}s"


def test_control_answers_while_a_cell_runs(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("import time\ntime.sleep(3)")
    _wait_busy(k, ex, 0.2)
    t0 = time.monotonic()
    info = k.request("kernel_info_request", {}, channel="control", timeout=10)
    elapsed = time.monotonic() - t0
    assert info["status"] == "ok"
    assert ex.reply is None and not k.messages("shell", ex.msg_id), "the cell finished already"
    assert elapsed < 1.0, f"control kernel_info took {elapsed:.2f}s while busy"
    k.collect(ex, timeout=15)


def test_cell_can_catch_the_interrupt(fresh_kernel):
    """Long loops often catch KeyboardInterrupt to stop cleanly and keep their results."""
    k = fresh_kernel
    ex = k.send_execute(
        "import time\nsteps = 0\ntry:\n    while True:\n        steps += 1\n        time.sleep(0.01)\n"
        "except KeyboardInterrupt:\n    print('stopped after', steps > 0)\n'kept'"
    )
    _wait_busy(k, ex)
    k.interrupt()
    k.collect(ex, timeout=15)
    assert ex.status == "ok", ex.describe()
    assert ex.stdout == "stopped after True\n"
    assert ex.result["text/plain"] == "'kept'"



def test_shutdown_with_a_running_background_thread(fresh_kernel):
    """A forgotten non-daemon thread must not keep the kernel alive after shutdown (jupyter_client would have
    to SIGKILL it)."""
    k = fresh_kernel
    k.ok("import threading, time\nthreading.Thread(target=lambda: time.sleep(60)).start()")
    t0 = time.monotonic()
    k.km.shutdown_kernel(now=False)
    elapsed = time.monotonic() - t0
    assert not k.km.is_alive()
    assert elapsed < 5.0, f"shutdown took {elapsed:.2f}s"


def test_restart_while_waiting_for_input(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("input('never answered: ')", allow_stdin=True)
    deadline = time.monotonic() + 15
    while not k.messages("stdin", ex.msg_id):
        assert time.monotonic() < deadline, "no input_request"
        k.pump(0.1)
    t0 = time.monotonic()
    k.restart(timeout=60)
    elapsed = time.monotonic() - t0
    assert k.eval_text("'fresh'") == "'fresh'"
    assert elapsed < 15, f"restart of a kernel waiting for input took {elapsed:.1f}s"


def test_shutdown_while_waiting_for_input(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("input('never answered: ')", allow_stdin=True)
    deadline = time.monotonic() + 15
    while not k.messages("stdin", ex.msg_id):
        assert time.monotonic() < deadline, "no input_request"
        k.pump(0.1)
    t0 = time.monotonic()
    k.km.shutdown_kernel(now=False)
    elapsed = time.monotonic() - t0
    assert not k.km.is_alive()
    assert elapsed < 5.0, f"shutdown of a kernel waiting for input took {elapsed:.2f}s"


def test_interrupts_racing_with_executions(fresh_kernel, is_reference):
    """SIGINTs landing just before, during or just after short cells: every request is answered (ok, or
    KeyboardInterrupt for a cell that was hit) and the kernel stays usable."""
    k = fresh_kernel
    statuses = []
    for i in range(15):
        ex = k.send_execute(f"v = {i}\nimport time\ntime.sleep(0.01 * {i % 4})")
        time.sleep(0.005 * (i % 5))
        k.interrupt()
        try:
            k.collect(ex, timeout=10)
        except harness.KernelTimeout:
            if is_reference and ex.of_type("status"):
                # ipykernel 6.17 loses the execute_reply when the SIGINT lands in its own code after the cell
                # (it logs "KeyboardInterrupt caught in kernel"): a notebook would show the cell busy forever.
                assert k.is_alive()
                pytest.xfail("ipykernel drops the execute_reply of a cell when SIGINT hits after the cell")
            raise
        statuses.append((ex.status, ex.content.get("ename")))
        assert ex.status == "ok" or ex.content.get("ename") == "KeyboardInterrupt", ex.describe()
    assert k.is_alive(), statuses
    time.sleep(0.3)
    assert k.ok("'usable'").result["text/plain"] == "'usable'", statuses
