"""Whole-session tests: programs run with the real `suspendable run` / `resume` in fresh processes.

The binary comes from $SUSPENDABLE_BIN (ctest sets it), else the newest build*/suspendable. By hand:

    SUSPENDABLE_BIN=/work/main/build-session/suspendable /usr/bin/python3 -m pytest -q tests/session
"""

import glob
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")


def _binary():
    env = os.environ.get("SUSPENDABLE_BIN")
    if env:
        return env
    found = glob.glob(os.path.join(HERE, "..", "..", "build*", "suspendable"))
    if not found:
        pytest.skip("no suspendable binary: build first or set SUSPENDABLE_BIN")
    return max(found, key=os.path.getmtime)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Runs `suspendable ARGS...` with a private SUSPENDABLE_HOME; returns the CompletedProcess."""
    monkeypatch.setenv("SUSPENDABLE_HOME", str(tmp_path / "home"))
    binary = _binary()

    def run(*args, timeout=180, **kwargs):
        kwargs.setdefault("cwd", str(tmp_path))
        return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                              **kwargs)
    run.binary = binary
    return run


def program(name):
    return os.path.join(PROGRAMS, name)
