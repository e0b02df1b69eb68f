"""`jupyter console --kernel NAME` in a pseudo-terminal (pexpect), as a user types into it."""

import os
import re
import time

import pexpect
import pytest

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>]|\r")


class Console:
    def __init__(self, kernel_name, cwd, extra_args=()):
        self.child = pexpect.spawn(
            "/usr/bin/python3",
            ["-m", "jupyter_console", f"--kernel={kernel_name}", *extra_args],
            cwd=str(cwd),
            env=dict(os.environ),
            dimensions=(40, 200),
            timeout=60,
        )
        self.seen = b""

    def expect_text(self, pattern: str, timeout=60):
        """Wait until `pattern` (a regex) appears in the output with terminal escapes removed."""
        regex = re.compile(pattern.encode())
        deadline = time.monotonic() + timeout
        while True:
            clean = ANSI.sub(b"", self.seen)
            match = regex.search(clean)
            if match:
                self.seen = clean[match.end():]  # what follows the match is for the next expectation
                return match
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not seen within {timeout}s; console showed:\n"
                                     f"{clean[-3000:].decode(errors='replace')}")
            try:
                chunk = self.child.read_nonblocking(65536, timeout=min(left, 0.5))
                # Answer prompt_toolkit's cursor position requests as a real terminal does; unanswered, it
                # keeps reading stdin for the answer and swallows what the user types next.
                for _ in range(chunk.count(b"\x1b[6n")):
                    self.child.send("\x1b[1;1R")
                self.seen += chunk
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                raise AssertionError(f"console exited while waiting for {pattern!r}:\n"
                                     f"{clean[-3000:].decode(errors='replace')}")

    def line(self, text):
        self.child.send(text + "\r")

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def console(kernel_name, tmp_path):
    c = Console(kernel_name, tmp_path)
    yield c
    c.close()


def _kernel_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_console_session(console):
    c = console
    c.expect_text(r"In \[1\]: ", timeout=90)
    c.line("x = 6*7")
    c.expect_text(r"In \[2\]: ")
    c.line("print(x)")
    c.expect_text(r"\n42\n")
    c.expect_text(r"In \[3\]: ")
    c.line("x + 1")
    c.expect_text(r"Out\[3\]: 43")
    c.line("import os; os.getpid()")
    pid = int(c.expect_text(r"Out\[4\]: (\d+)").group(1))
    c.line("1/0")
    c.expect_text(r"ZeroDivisionError")
    c.expect_text(r"In \[6\]: ")
    t0 = time.monotonic()
    c.line("exit")
    c.child.expect(pexpect.EOF, timeout=30)
    c.child.close()
    elapsed = time.monotonic() - t0
    assert c.child.exitstatus == 0, (c.child.exitstatus, c.child.signalstatus)
    assert elapsed < 10, f"console took {elapsed:.1f}s to exit"
    assert _kernel_gone(pid), "the console's kernel outlived the console"


def test_console_input_and_streaming(console):
    c = console
    c.expect_text(r"In \[1\]: ", timeout=90)
    c.line("name = input('Who? ')")
    c.expect_text(r"Who\? ")
    c.line("Ada")
    c.expect_text(r"In \[2\]: ")
    c.line("import time")
    c.expect_text(r"In \[3\]: ")
    c.line("for i in range(3): print('tick', i); time.sleep(0.5)")
    c.expect_text(r"tick 0")
    t_first = time.monotonic()
    c.expect_text(r"tick 2")
    gap = time.monotonic() - t_first
    c.expect_text(r"In \[4\]: ")
    # Printed 1 s apart: a console fed by a streaming kernel shows them 1 s apart, not together at the end.
    assert gap > 0.7, f"tick 0 and tick 2 appeared {gap:.2f}s apart (output not streamed)"
    c.line("print('hello', name)")
    c.expect_text(r"hello Ada")
    c.line("exit")
    c.child.expect(pexpect.EOF, timeout=30)
