"""`suspendable repl` driven through a real pseudo-terminal (pexpect): the console behaves like
`python3.11 -i`, and its session survives Ctrl-\\ / SIGUSR1 suspends, exits, closed terminals and SIGTERM.

Every test has its own HOME, XDG dirs, SUSPENDABLE_HOME (session store, key, history) and working
directory: nothing touches the user's real sessions.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pexpect
import pytest

import harness

PROMPT = ">>> "
# 40 steps of 0.1 s: long enough to be suspended mid-way, quick to finish after %resume. The sum of
# step(i) over range(40) is 2 * 780 = 1560; the statement prints it when it finishes. Each entry is one
# input (a block ends with an empty line, as in python3.11 -i).
WORK = [
    "import time",
    "done = []",
    "def step(i):\n    return 2 * i\n",
    "def work(n):\n    total = 0\n    for i in range(n):\n        total += step(i)\n        done.append(i)\n"
    "        time.sleep(0.1)\n        if i == 3:\n            print('step 3', flush=True)\n    return total\n",
]


@pytest.fixture
def binary() -> Path:
    path = harness.suspendable_binary()
    if path is None or not path.is_file():
        pytest.skip("the suspendable binary was not found (set SUSPENDABLE_BIN)")
    return path


@pytest.fixture
def env(tmp_path) -> dict:
    """Isolated HOME, XDG dirs and session store; readline without the user's inputrc."""
    out = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME")}
    for var, sub in (("HOME", "home"), ("XDG_DATA_HOME", "xdg-data"), ("XDG_CONFIG_HOME", "xdg-config"),
                     ("XDG_STATE_HOME", "xdg-state"), ("XDG_CACHE_HOME", "xdg-cache"),
                     ("SUSPENDABLE_HOME", "suspendable-home")):
        path = tmp_path / sub
        path.mkdir()
        out[var] = str(path)
    out.update(TERM="dumb", INPUTRC="/dev/null", SUSPENDABLE_KEEP_AUTOSAVES="5")
    return out


@pytest.fixture
def workdir(tmp_path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


class Repl:
    """One `suspendable repl` process on its own terminal."""

    def __init__(self, binary, env, cwd, *args):
        self.child = pexpect.spawn(str(binary), ["repl", "-q", *args], cwd=str(cwd), env=env,
                                   encoding="utf-8", timeout=30, dimensions=(40, 250))
        self.transcript = []
        self.child.logfile_read = self
        self.exit_code = None

    # pexpect's logfile interface: a transcript for failure messages
    def write(self, text):
        self.transcript.append(text)

    def flush(self):
        pass

    def text(self):
        return harness.strip_ansi("".join(self.transcript)).replace("\r\n", "\n")

    def prompt(self, timeout=30):
        """Output up to the next primary prompt."""
        try:
            self.child.expect_exact(PROMPT, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            raise AssertionError(f"no prompt within {timeout} s ({type(e).__name__}); transcript:\n{self.text()}")
        return harness.strip_ansi(self.child.before).replace("\r\n", "\n")

    def run(self, source, timeout=30):
        """Types `source` (a statement or block; a block needs its final empty line) and returns what
        it printed before the next prompt, without the echo of the typed lines."""
        for line in source.split("\n"):
            self.child.sendline(line)
        out = self.prompt(timeout)
        lines = out.split("\n")
        typed = len(source.split("\n"))
        return "\n".join(lines[typed:])

    def expect(self, pattern, timeout=30):
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            raise AssertionError(f"{pattern!r} not seen ({type(e).__name__}); transcript:\n{self.text()}")
        return self.child.match

    def wait_exit(self, timeout=30):
        """Waits for the process to end; returns its exit code (128+N for a signal it reports)."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise AssertionError(f"still running after {timeout} s; transcript:\n{self.text()}")
        self.child.close()
        self.exit_code = self.child.exitstatus if self.child.exitstatus is not None else -self.child.signalstatus
        return self.exit_code

    def hang_up(self, timeout=15):
        """Closes the terminal (its master side): the kernel sends SIGHUP, reads see end of file.
        Returns (exit code, seconds until the process ended)."""
        pid = self.child.pid
        started = time.monotonic()
        self.child.ptyproc.fileobj.close()
        self.child.ptyproc.closed = True
        self.child.closed = True
        deadline = started + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.child.ptyproc.terminated = True
                self.exit_code = os.waitstatus_to_exitcode(status)
                return self.exit_code, time.monotonic() - started
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        self.child.ptyproc.terminated = True
        raise AssertionError(f"the console did not exit within {timeout} s of its terminal closing")

    def close(self):
        """At the end of a test: SIGKILL (pexpect's own escalation gives a console that is saving its
        session at SIGHUP too little time on a loaded machine)."""
        if self.child.closed:
            return
        if self.child.isalive():
            self.child.kill(signal.SIGKILL)
            self.child.wait()
        self.child.close()


@pytest.fixture
def repl(binary, env, workdir):
    """repl(*args) starts a console in the test's directory; all are closed at the end."""
    started = []

    def start(*args, cwd=None):
        r = Repl(binary, env, cwd or workdir, *args)
        started.append(r)
        return r

    yield start
    for r in started:
        r.close()


def start_work(r, n=40):
    """Defines the work, starts it and waits until it is a few steps in."""
    for source in WORK:
        assert r.run(source).strip() == ""
    r.child.sendline(f"result = work({n}); print('finished', result)")
    r.expect(r"\r\nstep 3\r\n")  # running, a few steps in (not only typed)


SUSPENDED = re.compile(r"\[suspendable\] suspended input \[(\d+)\], stopped in (work|step)\(\) at line (\d+) of "
                       r"input \[(\d+)\]; saved as session '([^']+)'\. Continue with: %resume")


def test_ctrl_backslash_suspends_then_exit_and_resume_in_a_new_process(repl):
    r = repl()
    r.prompt()
    assert r.run("label = 'state kept'") == ""
    start_work(r)
    r.child.sendcontrol("\\")
    m = r.expect(SUSPENDED, timeout=15)
    name = m.group(5)
    assert m.group(4) in ("4", "5")  # a line of step() or work(), defined by inputs 4 and 5
    r.prompt()
    # The statement waits; the prompt works meanwhile, and the work done so far is visible.
    steps = int(r.run("len(done)").strip())
    assert 1 <= steps < 40
    assert r.run("'result' in dir()").strip() == "False"
    r.child.sendeof()
    r.expect(r"session saved as '([^']+)'.*a suspended statement\. Restore it with: suspendable repl --resume")
    assert r.wait_exit() == 0

    again = repl("--resume")
    out = again.prompt()
    assert f"restored session '{name}'" in out
    assert "label" in out and "a suspended statement" in out
    assert "is suspended. Continue it with: %resume" in out
    assert again.run("label").strip() == "'state kept'"
    assert again.run("%resume", timeout=60).strip() == "finished 1560"
    assert again.run("result, len(done)").strip() == "(1560, 40)"


def test_sigusr1_suspends_and_resume_continues_in_the_same_console(repl):
    r = repl()
    r.prompt()
    start_work(r)
    os.kill(r.child.pid, signal.SIGUSR1)
    r.expect(SUSPENDED, timeout=15)
    r.prompt()
    assert r.run("x = 5; x * 2").strip() == "10"
    assert r.run(":resume", timeout=60).strip() == "finished 1560"
    # Nothing is waiting any more.
    assert "no statement is suspended" in r.run("%resume")


def test_a_statement_inside_c_layers_is_suspended_at_once(repl):
    # The steps run in a generator driven by `for` inside __init__ (a class call), in a function called
    # through a decorator's *args wrapper: each of those layers is entered from C. The statement stops
    # inside the generator, none of their handlers runs, and :resume finishes it in the same console.
    r = repl()
    r.prompt()
    for source in [
        "import functools, time",
        "def logged(f):\n    @functools.wraps(f)\n    def wrapper(*args, **kwargs):\n        try:\n"
        "            return f(*args, **kwargs)\n        finally:\n            print('wrapper finally')\n"
        "    return wrapper\n",
        "def steps(n):\n    try:\n        for i in range(n):\n            time.sleep(0.1)\n"
        "            if i == 3:\n                print('step 3', flush=True)\n            yield 2 * i\n"
        "    finally:\n        print('generator finally')\n",
        "class Work:\n    def __init__(self, n):\n        self.total = 0\n"
        "        for s in steps(n):\n            self.total += s\n",
        "@logged\ndef work(n):\n    return Work(n).total\n",
    ]:
        assert r.run(source).strip() == ""
    r.child.sendline("result = work(40); print('finished', result)")
    r.expect(r"\r\nstep 3\r\n")
    sent = time.monotonic()
    os.kill(r.child.pid, signal.SIGUSR1)
    r.expect(r"\[suspendable\] suspended input \[\d+\], stopped in steps\(\) at line", timeout=15)
    assert time.monotonic() - sent < 2.0
    between = r.prompt()
    assert "finally" not in between, between
    assert r.run("'result' in dir()").strip() == "False"
    assert r.run(":resume", timeout=60).strip().splitlines() == ["generator finally", "wrapper finally",
                                                               "finished 1560"]


def test_closing_the_terminal_mid_loop_loses_nothing(repl):
    r = repl()
    r.prompt()
    assert r.run("kept = {'a': [1, 2, 3]}") == ""
    start_work(r)
    code, seconds = r.hang_up()
    assert code == 128 + signal.SIGHUP
    assert seconds < 5

    again = repl("--resume")
    out = again.prompt()
    assert "a suspended statement" in out and "kept" in out
    assert again.run("kept").strip() == "{'a': [1, 2, 3]}"
    assert again.run("%resume", timeout=60).strip() == "finished 1560"
    assert again.run("done == list(range(40))").strip() == "True"


def test_sigterm_at_the_prompt_saves_and_a_fresh_start_says_how_to_restore(repl):
    r = repl()
    r.prompt()
    r.run("import collections; counts = collections.Counter('hello')")
    os.kill(r.child.pid, signal.SIGTERM)
    r.expect(r"session saved as '([^']+)'")
    assert r.wait_exit() == 128 + signal.SIGTERM

    fresh = repl()
    out = fresh.prompt()
    assert "the previous session in this directory was not restored" in out
    assert "counts" in out
    assert "suspendable repl --resume" in out
    assert "NameError" in fresh.run("counts")
    fresh.child.sendeof()
    fresh.wait_exit()

    # The fresh console saved nothing (it had nothing): the previous session is still the one offered.
    again = repl("--resume")
    again.prompt()
    assert again.run("counts['l']").strip() == "2"


def test_sighup_while_a_statement_sleeps_saves_the_namespace_and_says_it_was_interrupted(repl):
    r = repl()
    r.prompt()
    assert r.run("import time; before = 42") == ""
    r.child.sendline("after = 1; print('sleeping', flush=True); time.sleep(60); after = 2")
    r.expect(r"\r\nsleeping\r\n")
    time.sleep(0.3)
    code, seconds = r.hang_up()
    assert code == 128 + signal.SIGHUP
    assert seconds < 8  # the exit deadline, not the 60 s sleep

    again = repl("--resume")
    out = again.prompt()
    assert "was interrupted by SIGHUP before it finished" in out
    assert "time.sleep(60)" in out
    assert again.run("before, after").strip() == "(42, 1)"


def test_ctrl_c_interrupts_the_running_statement_and_the_console_goes_on(repl):
    r = repl()
    r.prompt()
    assert r.run("n = 0") == ""
    assert r.run("def spin():\n    global n\n    print('spinning', flush=True)\n    while True:\n"
                 "        n += 1\n") == ""
    r.child.sendline("spin()")
    r.expect(r"\r\nspinning\r\n")
    time.sleep(0.3)
    r.child.sendintr()
    out = r.prompt()
    assert "Traceback (most recent call last):" in out
    assert re.search(r'File "<repl-3>", line 1, in <module>\n    spin\(\)', out)
    assert re.search(r'File "<repl-2>", line [45], in spin', out)
    assert out.rstrip().endswith("KeyboardInterrupt")
    assert int(r.run("n").strip()) > 0
    # Ctrl-C at a continuation prompt drops the unfinished block.
    r.child.sendline("if True:")
    r.child.expect_exact("... ")
    r.child.sendintr()
    assert "KeyboardInterrupt" in r.prompt()
    assert r.run("1 + 1").strip() == "2"


def test_history_is_recalled_in_a_new_console(repl, env):
    r = repl()
    r.prompt()
    assert r.run("remembered_value = 6 * 7") == ""
    r.child.sendeof()
    r.wait_exit()
    history = Path(env["SUSPENDABLE_HOME"]) / "repl_history"
    assert "remembered_value = 6 * 7" in history.read_text()

    again = repl()
    again.prompt()
    again.child.send("\x1b[A")  # up arrow: the last line of the previous console
    again.child.expect_exact("remembered_value = 6 * 7")
    again.child.sendline("")
    again.prompt()
    assert again.run("remembered_value").strip() == "42"


def test_python_console_behaviour(repl):
    """Prompts, blocks, expression values, tracebacks with source, tab completion, exit(code)."""
    r = repl()
    r.prompt()
    assert r.run("def square(v):\n    return v * v\n") == ""
    assert r.run("square(12)").strip() == "144"
    out = r.run("square(None)")
    assert 'File "<repl-1>", line 2, in square' in out
    assert "return v * v" in out
    assert "TypeError" in out
    assert "SyntaxError" in r.run("x = = 1")
    r.child.send("squ\t")
    r.child.expect_exact("square(")
    r.child.sendline("3)")
    assert r.prompt().strip().endswith("9")
    r.child.sendline("exit(3)")
    assert r.wait_exit() == 3


def test_unsaveable_objects_are_named_and_never_cost_the_session(repl):
    r = repl()
    r.prompt()
    assert r.run("import socket; conn = socket.socket(); keep = 'me'") == ""
    # A suspend that cannot save the statement is refused with the reason; the statement goes on.
    r.run("def hold(n):\n    local_sock = socket.socket()\n    print('holding', flush=True)\n"
          "    for i in range(n):\n        time.sleep(0.1)\n    return 'held'\n")
    r.run("import time")
    r.child.sendline("hold(15)")
    r.expect(r"\r\nholding\r\n")
    r.child.sendcontrol("\\")
    r.expect(r"not suspended, the statement keeps running: cannot save .*local 'local_sock' -> socket\.socket")
    assert "'held'" in r.prompt(timeout=30)
    # Leaving saves everything else and says what was left out and why.
    r.child.sendeof()
    r.expect(r"saved as placeholders \(they cannot be saved; using them after a restore raises "
             r"UnsavedObjectError\): global 'conn' \(socket\.socket")
    r.expect(r"session saved as")
    assert r.wait_exit() == 0

    again = repl("--resume")
    out = again.prompt()
    assert "saved as placeholders" in out and "global 'conn' (socket.socket: TypeError: cannot pickle 'socket' object)" in out
    assert again.run("keep").strip() == "'me'"
    assert "UnsavedObjectError" in again.run("conn.fileno()")


def test_save_name_sessions_and_resume_by_name(repl, workdir):
    r = repl()
    r.prompt()
    r.run("experiment = [1, 2, 3]")
    out = r.run("%save my-experiment")
    assert "Saved the session as 'my-experiment'" in out
    assert "my-experiment" in r.run("%sessions")
    assert "invalid session name" in r.run("%save ../bad")
    r.child.sendeof()
    r.wait_exit()

    elsewhere = workdir / "sub"
    elsewhere.mkdir()
    other = repl("--resume", "my-experiment", cwd=elsewhere)
    out = other.prompt()
    assert "restored session 'my-experiment'" in out
    assert other.run("experiment").strip() == "[1, 2, 3]"
