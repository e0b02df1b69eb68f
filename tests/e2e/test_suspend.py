"""%suspend / %resume against the real kernel, driven like a front end: a long cell is running, the
user runs %suspend in another cell; the running cell stops at once (no handler of it runs), the session
is saved; %resume continues it - in the same kernel or after a restart - and the concatenated output
equals an uninterrupted run, with the final value displayed."""

import re
import time

import pytest

from harness import strip_ansi


pytestmark = pytest.mark.usefixtures("suspendable_only")


TRAINING = """
import time
def step(i):
    total = 0
    for j in range(3):
        total += i * j
    return total

def train(n):
    history = []
    for epoch in range(n):
        history.append(step(epoch))
        print("epoch", epoch, history[-1], flush=True)
        time.sleep(0.15)
    return sum(history)

result = train(20)
result
"""


def _stdout(ex):
    return "".join(r.content["text"] for r in ex.of_type("stream") if r.content["name"] == "stdout")


def _result(ex):
    return ex.result["text/plain"] if ex.result else None


def _wait_for_output(kernel, ex, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in _collect_partial(kernel, ex):
        assert time.monotonic() < deadline, f"{text!r} never appeared"
        kernel.pump(0.05)


def _collect_partial(kernel, ex):
    return "".join(r.content["text"] for r in kernel.messages("iopub", ex.msg_id)
                   if r.msg_type == "stream" and r.content["name"] == "stdout")


def _suspend_while_running(kernel, code, name, after="epoch 3 "):
    running = kernel.send_execute(code)
    _wait_for_output(kernel, running, after)
    sent = time.monotonic()
    suspend = kernel.send_execute(f"%suspend {name}")
    kernel.collect(running, timeout=10)
    cell_latency = running.reply.t - sent
    kernel.collect(suspend, timeout=15)
    return running, suspend, cell_latency


def test_suspend_then_resume_in_the_same_kernel_continues_exactly(fresh_kernel):
    reference = fresh_kernel.ok(TRAINING, timeout=60)
    expected = _stdout(reference)
    assert _result(reference) == "570"

    running, suspend, latency = _suspend_while_running(fresh_kernel, TRAINING, "same-kernel")
    assert latency < 1.0, f"the running cell answered {latency:.2f}s after %suspend"
    assert running.status == "aborted", running.describe()
    assert "suspended at cell" in strip_ansi(running.stderr) and "%resume same-kernel" in running.stderr
    assert suspend.status == "ok", suspend.describe()
    assert re.search(r"Session 'same-kernel': [\d.]+ (B|KiB|MiB)", suspend.stdout), suspend.describe()
    assert re.search(r"Suspended cell \[\d+\] in (train|step)\(\) at line \d+ of cell \[\d+\]", suspend.stdout), \
        suspend.describe()

    resumed = fresh_kernel.ok("%resume same-kernel", timeout=60)
    assert _stdout(running) + _stdout(resumed) == expected
    assert _result(resumed) == "570", resumed.describe()
    assert fresh_kernel.eval_text("result") == "570"


def test_resume_after_a_kernel_restart_continues_from_the_file(fresh_kernel):
    expected = "".join(f"epoch {i} {3 * i}\n" for i in range(20))
    running, suspend, _ = _suspend_while_running(fresh_kernel, TRAINING, "across-restart")
    assert suspend.status == "ok", suspend.describe()
    fresh_kernel.restart()
    resumed = fresh_kernel.ok("%resume across-restart", timeout=60)
    after = "".join(line + "\n" for line in _stdout(resumed).splitlines() if not line.startswith("[suspendable]"))
    assert _stdout(running) + after == expected
    assert _result(resumed) == "570", resumed.describe()
    # The restored namespace is the live one: functions from the suspended session work.
    assert fresh_kernel.eval_text("step(10)") == "30"


LOGGING = """
import logging, threading, time
logging.basicConfig(filename=LOG, level=logging.INFO, format="%(levelname)s %(message)s", force=True)
progress = logging.getLogger("progress")
guard = threading.RLock()
def train(n):
    for epoch in range(n):
        with guard:
            logging.info("epoch %d", epoch)
            print("epoch", epoch, flush=True)
            time.sleep(0.15)
    progress.warning("done")
    return n

train(12)
"""


def test_logging_and_locks_keep_working_after_a_restart(fresh_kernel, tmp_path):
    # A training cell that logs to a file (the root logger: only logging refers to it) under a lock.
    log = tmp_path / "train.log"
    fresh_kernel.ok(f"LOG = {str(log)!r}")
    running, suspend, _ = _suspend_while_running(fresh_kernel, LOGGING, "logged", after="epoch 3\n")
    assert suspend.status == "ok", suspend.describe()
    fresh_kernel.restart()
    resumed = fresh_kernel.ok("%resume logged", timeout=60)
    assert _result(resumed) == "12", resumed.describe()
    assert log.read_text() == "".join(f"INFO epoch {i}\n" for i in range(12)) + "WARNING done\n"
    assert fresh_kernel.eval_text("guard.acquire(False), logging.getLogger().level") == "(True, 20)"


HANDLERS = """
import gc, time
class Resource:
    def __init__(self, name): self.name = name
    def __del__(self): print("DEL", self.name, flush=True)
class Guard:
    def __enter__(self): return self
    def __exit__(self, *exc): print("EXIT", flush=True); return False
def numbers():
    try:
        for i in range(100):
            yield i
    finally:
        print("GENFINALLY", flush=True)
def work():
    res = Resource("local")
    gen = numbers()
    with Guard():
        try:
            for i in range(25):
                next(gen)
                print("tick", i, flush=True)
                time.sleep(0.1)
        except BaseException as e:
            print("EXCEPT", type(e).__name__, flush=True)
            raise
        finally:
            print("FINALLY", flush=True)
    return "done"
out = work()
out
"""


def test_no_handler_or_finalizer_of_the_suspended_cell_runs_until_resume(fresh_kernel):
    running, suspend, _ = _suspend_while_running(fresh_kernel, HANDLERS, "handlers", after="tick 3")
    assert suspend.status == "ok", suspend.describe()
    tail = _stdout(running).split("tick 3\n", 1)[1]
    assert re.fullmatch(r"(tick \d+\n)*", tail), f"printed after the suspension point: {tail!r}"
    # Other cells run, the garbage collector runs: still nothing of the suspended cell.
    other = fresh_kernel.ok("import gc\ngc.collect()\nprint('other cell')\nNone")
    assert _stdout(other) == "other cell\n" and not other.stderr, other.describe()
    resumed = fresh_kernel.ok("%resume handlers", timeout=60)
    lines = _stdout(resumed).splitlines()
    # Exactly what an uninterrupted run prints after the last tick, in the same order.
    assert lines[lines.index("tick 24") + 1:] == ["FINALLY", "EXIT", "DEL local", "GENFINALLY"], lines
    assert _result(resumed) == "'done'"


THROUGH_C = """
import functools, time
def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        finally:
            print("WRAPPER-FINALLY", flush=True)
    return wrapper
class Guard:
    def __init__(self, name): self.name = name
    def __enter__(self): return self
    def __exit__(self, kind, *rest):
        print("EXIT", self.name, kind.__name__ if kind else None, flush=True)
        return False
def batches(n):
    try:
        for i in range(n):
            with Guard("batch"):
                time.sleep(0.1)
                print("batch", i, flush=True)
            yield i * i
    finally:
        print("GEN-FINALLY", flush=True)
class Trainer:
    def __init__(self, n):
        self.seen = []
        try:
            for b in batches(n):
                self.seen.append(b)
        except BaseException as e:
            print("INIT-EXCEPT", type(e).__name__, flush=True)
            raise
@logged
def train(n):
    with Guard("train"):
        return sum(Trainer(n).seen)
result = (train(14), sorted(b + 1 for b in batches(3)))
result
"""


@pytest.mark.parametrize("after", ["batch 3\n", "WRAPPER-FINALLY\n"])
def test_a_cell_inside_c_layers_is_suspended_at_once_and_resumes_in_the_same_kernel(fresh_kernel, after):
    # Suspended inside a generator driven by `for` in __init__ (a class call) in a function called by a
    # decorator's *args wrapper; then inside a generator consumed by sorted(). None of the handlers of
    # those layers runs at the suspension; all of them run at the resume, in an uninterrupted run's order.
    reference = fresh_kernel.ok(THROUGH_C, timeout=60)
    expected = _stdout(reference)
    assert _result(reference) == "(819, [1, 2, 5])"
    running, suspend, latency = _suspend_while_running(fresh_kernel, THROUGH_C, "through-c", after=after)
    assert latency < 1.0, f"the running cell answered {latency:.2f}s after %suspend"
    assert suspend.status == "ok" and running.status == "aborted", suspend.describe() + running.describe()
    assert re.search(r"Suspended cell \[\d+\] in batches\(\) at line \d+", suspend.stdout), suspend.describe()
    stopped = _stdout(running)
    # only the cell's own progress after the point it was seen at; no handler output
    assert re.fullmatch(r"(batch \d+\n|EXIT batch None\n)*", stopped.split(after, 1)[1]), stopped
    other = fresh_kernel.ok("import gc\ngc.collect()\nprint('other cell')\nNone")
    assert _stdout(other) == "other cell\n" and not other.stderr, other.describe()
    resumed = fresh_kernel.ok("%resume through-c", timeout=60)
    assert stopped + _stdout(resumed) == expected, resumed.describe()
    assert _result(resumed) == "(819, [1, 2, 5])", resumed.describe()


def test_a_cell_inside_c_layers_resumes_after_a_restart(fresh_kernel):
    expected = _stdout(fresh_kernel.ok(THROUGH_C, timeout=60))
    running, suspend, _ = _suspend_while_running(fresh_kernel, THROUGH_C, "through-c-file", after="batch 4\n")
    assert suspend.status == "ok", suspend.describe()
    fresh_kernel.restart()
    resumed = fresh_kernel.ok("%resume through-c-file", timeout=60)
    after = "".join(line + "\n" for line in _stdout(resumed).splitlines() if not line.startswith("[suspendable]"))
    assert _stdout(running) + after == expected, resumed.describe()
    assert _result(resumed) == "(819, [1, 2, 5])", resumed.describe()


def test_an_unsaveable_object_refuses_the_suspend_and_the_cell_completes(fresh_kernel):
    code = ("import socket, time\n"
            "conn = socket.socket()\n"
            "def loop():\n"
            "    sock = socket.socket()\n"
            "    for i in range(12):\n"
            "        print('i', i, flush=True)\n"
            "        time.sleep(0.1)\n"
            "    sock.close()\n"
            "    return 'finished'\n"
            "loop()\n")
    running, suspend, _ = _suspend_while_running(fresh_kernel, code, "refused", after="i 2")
    assert running.status == "ok", running.describe()
    assert _stdout(running) == "".join(f"i {i}\n" for i in range(12))
    assert _result(running) == "'finished'"
    assert suspend.status == "error", suspend.describe()
    message = strip_ansi(suspend.error["evalue"])
    assert "frame loop() local 'sock'" in message and "global 'conn'" in message, message
    assert "socket" in message


def test_cells_queued_behind_a_suspended_cell_are_aborted(fresh_kernel):
    running = fresh_kernel.send_execute(TRAINING)
    _wait_for_output(fresh_kernel, running, "epoch 2 ")
    suspend = fresh_kernel.send_execute("%suspend queued-test")
    queued = fresh_kernel.send_execute("print('queued cell ran')")
    for ex in (running, suspend, queued):
        fresh_kernel.collect(ex, timeout=15)
    assert running.status == "aborted", running.describe()
    assert queued.status == "aborted" and "queued cell ran" not in _stdout(queued)
    assert suspend.status == "ok", suspend.describe()


def test_a_suspend_queued_behind_other_cells_waits_its_turn(fresh_kernel):
    """Run All: %suspend queued behind other cells is not meant for whichever cell runs when it arrives."""
    running = fresh_kernel.send_execute("import time\ntime.sleep(1.5)\nprint('first done')")
    between = fresh_kernel.send_execute("print('second ran')")
    suspend = fresh_kernel.send_execute("%suspend in-order")
    for ex in (running, between, suspend):
        fresh_kernel.collect(ex, timeout=20)
    assert running.status == "ok" and _stdout(running) == "first done\n", running.describe()
    assert between.status == "ok" and _stdout(between) == "second ran\n", between.describe()
    assert "Saved the namespace as session 'in-order'" in _stdout(suspend), suspend.describe()


def test_suspend_while_idle_saves_the_namespace(fresh_kernel):
    fresh_kernel.ok("import collections\n"
                    "class Point:\n"
                    "    def __init__(self, x, y): self.x, self.y = x, y\n"
                    "    def norm2(self): return self.x ** 2 + self.y ** 2\n"
                    "p = Point(3, 4)\n"
                    "counts = collections.Counter('abracadabra')\n"
                    "square = lambda v: v * v\n")
    saved = fresh_kernel.ok("%suspend idle-ns")
    assert "Saved the namespace as session 'idle-ns'" in saved.stdout, saved.describe()
    fresh_kernel.restart()
    restored = fresh_kernel.ok("%resume idle-ns")
    assert "Restored" in restored.stdout, restored.describe()
    assert fresh_kernel.eval_text("(p.norm2(), counts['a'], square(7))") == "(25, 5, 49)"


def test_sessions_lists_what_was_saved(fresh_kernel):
    fresh_kernel.ok("x = 1")
    fresh_kernel.ok("%suspend listed-one")
    listing = fresh_kernel.ok("%sessions").stdout
    assert re.search(r"listed-one\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[\d.]+ (B|KiB)\s+namespace only", listing), \
        listing


def test_a_damaged_snapshot_is_refused_and_the_kernel_lives(fresh_kernel, jupyter_env):
    fresh_kernel.ok("y = 2")
    fresh_kernel.ok("%suspend damaged")
    path = fresh_kernel.eval_text("__import__('suspendable.store').store.path_for('damaged')").strip("'")
    with open(path, "r+b") as f:
        f.seek(-10, 2)
        byte = f.read(1)
        f.seek(-10, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    ex = fresh_kernel.execute("%resume damaged")
    assert ex.status == "error", ex.describe()
    assert "cannot resume" in strip_ansi(ex.error["evalue"]), ex.describe()
    assert fresh_kernel.eval_text("y + 1") == "3"


def test_suspend_request_on_the_control_channel(fresh_kernel):
    expected = "".join(f"epoch {i} {3 * i}\n" for i in range(20))
    running = fresh_kernel.send_execute(TRAINING)
    _wait_for_output(fresh_kernel, running, "epoch 3 ")
    msg_id = fresh_kernel.send("control", "suspend_request", {"name": "via-control"})
    reply = fresh_kernel.wait_reply("control", msg_id, timeout=10)
    assert reply.msg_type == "suspend_reply"
    content = reply.content
    assert content["status"] == "ok" and content["name"] == "via-control", content
    assert content["cell_suspended"] is True and content["size"] > 0
    assert content["location"]["function"] in ("train", "step") and content["location"]["line"] > 0, content
    fresh_kernel.collect(running, timeout=10)
    assert running.status == "aborted", running.describe()
    resumed = fresh_kernel.ok("%resume via-control", timeout=60)
    assert _stdout(running) + _stdout(resumed) == expected
    assert _result(resumed) == "570"


def test_suspend_request_while_idle_saves_the_namespace(fresh_kernel):
    fresh_kernel.ok("kept = {'a': [1, 2, 3]}")
    msg_id = fresh_kernel.send("control", "suspend_request", {"name": "idle-control"})
    content = fresh_kernel.wait_reply("control", msg_id, timeout=10).content
    assert content["status"] == "ok" and content["cell_suspended"] is False, content
    fresh_kernel.restart()
    fresh_kernel.ok("%resume idle-control")
    assert fresh_kernel.eval_text("kept['a'][2]") == "3"


def test_sigusr1_suspends_the_running_cell(fresh_kernel):
    import os
    import signal

    expected = "".join(f"epoch {i} {3 * i}\n" for i in range(20))
    running = fresh_kernel.send_execute(TRAINING)
    _wait_for_output(fresh_kernel, running, "epoch 3 ")
    os.kill(fresh_kernel.pid, signal.SIGUSR1)
    fresh_kernel.collect(running, timeout=10)
    assert running.status == "aborted", running.describe()
    assert "Continue with: %resume" in running.stderr, running.describe()
    resumed = fresh_kernel.ok("%resume", timeout=60)  # default: this kernel's latest session
    assert _stdout(running) + _stdout(resumed) == expected
    assert _result(resumed) == "570"


def test_kernel_info_advertises_suspension(kernel):
    info = kernel.request("kernel_info_request", {})
    assert info["suspendable"]["suspend_request"] is True, info
    assert "%suspend" in info["suspendable"]["magics"]


def _restore_message(ex):
    return [line for line in _stdout(ex).splitlines() if line.startswith("[suspendable]")]


def test_a_restarted_kernel_restores_its_namespace_by_itself(fresh_kernel):
    fresh_kernel.ok("import socket, pandas as pd\n"
                    "x = 41\n"
                    "def double(v):\n"
                    "    return 2 * v\n"
                    "class Account:\n"
                    "    def __init__(self, owner): self.owner = owner\n"
                    "acct = Account('ada')\n"
                    "df = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})\n"
                    "inc = lambda v: v + 1\n"
                    "sock = socket.socket()\n")
    fresh_kernel.restart()
    first = fresh_kernel.ok("x + 1")
    messages = "\n".join(_restore_message(first))
    assert "Restored" in messages and "x" in messages, first.describe()
    assert "global 'sock' -> socket.socket" in messages, messages
    assert _result(first) == "42"
    assert fresh_kernel.eval_text("(double(4), acct.owner, int(df['a'].sum()), df['b'][2], inc(1))") == \
        "(8, 'ada', 6, 'z', 2)"
    assert not _restore_message(fresh_kernel.ok("print('again')")), "the message is shown once"


def test_restored_functions_keep_their_cell_source_next_to_the_new_cells(fresh_kernel):
    # The old kernel's cell [1] and the new kernel's cell [1] are different sources: each function's
    # traceback and inspect.getsource show its own.
    fresh_kernel.ok("def old_fn(x):\n    y = x * 2\n    raise ValueError(f'old {y}')\n")
    fresh_kernel.restart()
    fresh_kernel.ok("def new_fn():\n    z = 1\n    raise KeyError('new')\n")  # restores old_fn too
    for call, line, other in (("old_fn(4)", "raise ValueError(f'old {y}')", "raise KeyError('new')"),
                              ("new_fn()", "raise KeyError('new')", "raise ValueError(f'old {y}')")):
        failed = fresh_kernel.execute(call)
        assert failed.error, failed.describe()
        tb = strip_ansi("\n".join(failed.error["traceback"]))
        assert line in tb and other not in tb, tb
        assert re.search(r"Cell In ?\[1\], line 3", tb), tb
    assert fresh_kernel.eval_text("__import__('inspect').getsource(old_fn).splitlines()[1].strip()") == \
        "'y = x * 2'"
    assert fresh_kernel.eval_text("__import__('inspect').getsource(new_fn).splitlines()[1].strip()") == "'z = 1'"


def test_an_error_after_resume_shows_the_cells_frames_not_the_resume_machinery(fresh_kernel):
    code = ("import time\n"
            "def fail_at(n):\n"
            "    for epoch in range(n):\n"
            "        print('epoch', epoch, flush=True)\n"
            "        time.sleep(0.15)\n"
            "    raise ValueError('epoch limit')\n"
            "fail_at(8)\n")
    running, suspend, _ = _suspend_while_running(fresh_kernel, code, "fails-later", after="epoch 3\n")
    assert suspend.status == "ok", suspend.describe()
    failed = fresh_kernel.execute("%resume fails-later", timeout=60)
    assert failed.error and failed.error["ename"] == "ValueError", failed.describe()
    tb = strip_ansi("\n".join(failed.error["traceback"]))
    assert "raise ValueError('epoch limit')" in tb and "fail_at(8)" in tb, tb
    assert "run_line_magic" not in tb and "suspension.py" not in tb and "%resume" not in tb, tb


def test_a_restart_with_a_big_session_exits_at_once_and_restores_it(fresh_kernel):
    # 800 MB takes seconds to write: the kernel hands the save to a child and exits by itself inside
    # Jupyter's shutdown wait (not terminated by the client); the new kernel waits for the save.
    fresh_kernel.ok("import numpy as np\nbig = np.arange(100_000_000, dtype=np.float64)\nmark = 'kept'")
    old = fresh_kernel.km.provisioner.process
    fresh_kernel.restart()
    assert old.poll() == 0, f"the old kernel did not exit by itself (status {old.poll()})"
    first = fresh_kernel.ok("mark, float(big[-1])", timeout=120)
    assert _result(first) == "('kept', 99999999.0)", first.describe()
    assert any("Restored" in m for m in _restore_message(first)), first.describe()


def test_a_restart_while_a_cell_runs_suspends_it_for_resume(fresh_kernel):
    expected = "".join(f"epoch {i} {3 * i}\n" for i in range(20))
    running = fresh_kernel.send_execute(TRAINING)
    _wait_for_output(fresh_kernel, running, "epoch 3 ")
    t0 = time.monotonic()
    fresh_kernel.restart()  # the client reconnects: output printed before the restart is not kept
    assert time.monotonic() - t0 < 15
    first = fresh_kernel.ok("1")
    waiting = [m for m in _restore_message(first) if "suspended cell is waiting" in m]
    assert waiting, first.describe()
    name = waiting[0].rsplit("%resume ", 1)[1].strip()
    resumed = fresh_kernel.ok(f"%resume {name}", timeout=60)
    after = _stdout(resumed)
    # It continues where it stopped (after epoch 3 was printed): the rest, once, to the right result.
    assert after and expected.endswith(after) and after.startswith("epoch "), after
    assert int(after.split()[1]) >= 4, after
    assert _result(resumed) == "570"


def test_a_restart_while_a_cell_cannot_be_suspended_keeps_its_variables_and_checkpoint(fresh_kernel):
    # re.sub() with a callback is stateful native code: no safe point until it returns (15 s).
    cell = ("import time\n"
            "import re\n"
            "before = 'set before'\n"
            "%checkpoint ck-busy\n"
            "slow = re.sub('x', lambda m: (time.sleep(0.01), 'y')[1], 'x' * 1500)\n"
            "after = 'never'\n")
    running = fresh_kernel.send_execute(cell)
    deadline = time.monotonic() + 15
    while "checkpoint 'ck-busy' saved" not in "".join(
            r.content["text"] for r in fresh_kernel.messages("iopub", running.msg_id) if r.msg_type == "stream"):
        assert time.monotonic() < deadline, "the checkpoint was never reported"
        fresh_kernel.pump(0.05)
    t0 = time.monotonic()
    fresh_kernel.restart()
    assert time.monotonic() - t0 < 15
    first = fresh_kernel.ok("before")
    messages = "\n".join(_restore_message(first))
    assert "could not be suspended in time" in messages and "cell [" in messages, first.describe()
    assert "%resume ck-busy" in messages, messages
    assert _result(first) == "'set before'"
    assert fresh_kernel.eval_text("'after' in dir(), 'slow' in dir()") == "(False, False)"
    resumed = fresh_kernel.ok("%resume ck-busy", timeout=90)
    assert fresh_kernel.eval_text("after, slow[:3]") == "('never', 'yyy')", resumed.describe()


def test_sigterm_saves_the_session_before_exiting(fresh_kernel, jupyter_env):
    import os
    import signal
    import subprocess

    fresh_kernel.ok("survivor = 'still here'")
    pid = fresh_kernel.pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while fresh_kernel.is_alive():
        assert time.monotonic() < deadline, "the kernel did not exit after SIGTERM"
        time.sleep(0.05)
    listing = subprocess.run([str(jupyter_env["binary"]), "sessions", "list"], capture_output=True, text=True,
                             timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "auto-" in listing.stdout, listing.stdout


def test_checkpoint_saves_a_running_cell_and_resume_continues_after_that_line(fresh_kernel):
    cell = ("total = 0\n"
            "def add(i):\n"
            "    return i\n"
            "for i in range(6):\n"
            "    total += add(i)\n"
            "    print('step', i, total)\n"
            "    if i == 2:\n"
            "        %checkpoint ck-e2e\n"
            "total\n")
    first = fresh_kernel.ok(cell)
    assert _stdout(first) == "".join(f"step {i} {sum(range(i + 1))}\n" for i in range(6)), first.describe()
    assert "checkpoint 'ck-e2e' saved at cell [" in first.stderr and ", line 8" in first.stderr, first.describe()
    assert _result(first) == "15"
    fresh_kernel.restart()
    resumed = fresh_kernel.ok("%resume ck-e2e", timeout=60)
    after = [line for line in _stdout(resumed).splitlines() if not line.startswith("[suspendable]")]
    assert after == ["step 3 6", "step 4 10", "step 5 15"], resumed.describe()
    assert _result(resumed) == "15"


def test_checkpoint_inside_c_layers_resumes_after_a_restart(fresh_kernel):
    # The %checkpoint line runs in __init__ (a class call) of a function called through a decorator's
    # *args wrapper, inside a generator driven by `for`: the resume continues every layer after the line.
    cell = ("import functools\n"
            "def logged(f):\n"
            "    @functools.wraps(f)\n"
            "    def wrapper(*args, **kwargs):\n"
            "        try:\n"
            "            return f(*args, **kwargs)\n"
            "        finally:\n"
            "            print('wrapper finally')\n"
            "    return wrapper\n"
            "def items(n):\n"
            "    for i in range(n):\n"
            "        if i == 2:\n"
            "            resumed = %checkpoint ck-c-layers\n"
            "            print('checkpoint line, resumed =', resumed)\n"
            "        yield i * 10\n"
            "class Totals:\n"
            "    def __init__(self, n):\n"
            "        self.total = 0\n"
            "        for v in items(n):\n"
            "            self.total += v\n"
            "            print('item', v)\n"
            "@logged\n"
            "def run(n):\n"
            "    return Totals(n).total\n"
            "run(5)\n")
    first = fresh_kernel.ok(cell)
    lines = _stdout(first).splitlines()
    assert lines == ["item 0", "item 10", "checkpoint line, resumed = None", "item 20", "item 30", "item 40",
                     "wrapper finally"], first.describe()
    assert _result(first) == "100"
    fresh_kernel.restart()
    resumed = fresh_kernel.ok("%resume ck-c-layers", timeout=60)
    after = [line for line in _stdout(resumed).splitlines() if not line.startswith("[suspendable]")]
    assert after == ["checkpoint line, resumed = True", "item 20", "item 30", "item 40", "wrapper finally"], \
        resumed.describe()
    assert _result(resumed) == "100"


def test_two_saves_in_one_second_get_two_sessions(fresh_kernel):
    # Default names carry the kernel and never replace an existing session (a cluster preempting
    # every kernel at once with SIGUSR1 used to make them overwrite each other).
    saved = fresh_kernel.ok("x = 1\n%suspend\nx = 2\n%suspend")
    names = re.findall(r"as session '([^']+)'", saved.stdout)
    assert len(names) == 2 and names[0] != names[1], saved.describe()
    listed = fresh_kernel.ok("%sessions").stdout
    assert names[0] in listed and names[1] in listed, listed


def test_a_bare_resume_does_not_load_another_kernels_session_over_your_variables(kernel, fresh_kernel):
    kernel.ok("from_other = 'other kernel'\n%suspend other-kernels")
    fresh_kernel.ok("mine = 'my value'")
    refused = fresh_kernel.execute("%resume")
    assert refused.status == "error", refused.describe()
    # One line, named as the magic's error (no traceback through IPython's internals).
    assert refused.error["ename"] == "SuspendError" and len(refused.error["traceback"]) == 1, refused.describe()
    assert "another kernel's" in refused.error["evalue"] and "mine" in refused.error["evalue"], refused.describe()
    assert fresh_kernel.eval_text("mine") == "'my value'"
    fresh_kernel.ok("%resume other-kernels")
    assert fresh_kernel.eval_text("from_other, mine") == "('other kernel', 'my value')"


def test_a_control_request_gets_its_reply_while_the_cell_sleeps_in_native_code(fresh_kernel):
    # time.sleep holds the main thread in C: no line event, no pending call. The front end still gets
    # its suspend_reply about a second after the timeout, and the cell finishes as if never asked.
    running = fresh_kernel.send_execute("import time\nprint('go', flush=True)\ntime.sleep(6)\nprint('done')\n'end'")
    _wait_for_output(fresh_kernel, running, "go\n")
    sent = time.monotonic()
    msg_id = fresh_kernel.send("control", "suspend_request", {"name": "asleep", "timeout": 1.0})
    reply = fresh_kernel.wait_reply("control", msg_id, timeout=10)
    assert time.monotonic() - sent < 4.0, "the reply waited for the native call"
    assert reply.content["status"] == "error" and "native call" in reply.content["evalue"], reply.content
    fresh_kernel.collect(running, timeout=15)
    assert running.status == "ok" and _stdout(running) == "go\ndone\n" and _result(running) == "'end'", \
        running.describe()
    assert "asleep" not in fresh_kernel.ok("%sessions").stdout


def test_resuming_the_same_session_again_says_so(fresh_kernel):
    running, suspend, _ = _suspend_while_running(fresh_kernel, TRAINING, "twice")
    fresh_kernel.restart()
    first = fresh_kernel.ok("%resume twice", timeout=60)
    assert "already continued" not in first.stderr, first.describe()
    again = fresh_kernel.ok("%resume twice", timeout=60)
    assert "already continued twice.snap" in again.stderr and _result(again) == "570", again.describe()


FACTOR = """
import time
factor = 2
def run(n):
    tot = 0
    for i in range(n):
        tot += factor
        print('tick', i, flush=True)
        time.sleep(0.1)
    return tot
total = run(20)
total
"""


def test_after_a_restart_a_bare_resume_continues_the_waiting_cell_with_the_current_namespace(fresh_kernel):
    running, suspend, _ = _suspend_while_running(fresh_kernel, FACTOR, "waiting", after="tick 3\n")
    assert suspend.status == "ok", suspend.describe()
    fresh_kernel.restart()
    first = fresh_kernel.ok("factor = 100")
    assert "A suspended cell is waiting: %resume waiting" in first.stderr + first.stdout, first.describe()
    resumed = fresh_kernel.ok("%resume", timeout=60)
    assert "Restored" not in resumed.stdout, resumed.describe()  # the cell, not the namespace only
    ticks = (_stdout(running) + _stdout(resumed)).count("tick ")
    assert ticks == 20 and int(_result(resumed)) > 2 * 20, resumed.describe()  # went on with factor = 100
    assert fresh_kernel.eval_text("factor, total == int(%s)" % _result(resumed)) == "(100, True)"


PLOT = """
%matplotlib inline
import time
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
for i in range(12):
    ax.plot([0, 1], [i, i + 1])
    print('line', i, flush=True)
    time.sleep(0.1)
print(len(ax.lines), plt.get_fignums())
"""


def test_a_figure_drawn_by_a_suspended_cell_is_shown_by_the_resume(fresh_kernel):
    reference = fresh_kernel.ok(PLOT, timeout=60)
    assert [d for d in reference.displays if "image/png" in d["data"]], reference.describe()
    running, suspend, _ = _suspend_while_running(fresh_kernel, PLOT, "plot", after="line 3\n")
    assert suspend.status == "ok", suspend.describe()
    assert not [d for d in running.displays if "image/png" in d["data"]], running.describe()
    resumed = fresh_kernel.ok("%resume plot", timeout=60)
    assert "12 [1]" in _stdout(resumed), resumed.describe()  # the figure was not closed at the suspend
    assert len([d for d in resumed.displays if "image/png" in d["data"]]) == 1, resumed.describe()


def test_magic_usage_errors_are_one_line(fresh_kernel):
    for code in ("%suspend ../x", "%checkpoint ../x", "%sessions foo"):
        ex = fresh_kernel.execute(code)
        assert ex.status == "error" and ex.error["ename"] == "SuspendError", ex.describe()
        assert len(ex.error["traceback"]) == 1, ex.describe()
