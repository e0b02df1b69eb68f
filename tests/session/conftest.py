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


def suspended_once(cli, name, workdir, snapshot, env=None, status=0):
    """Runs programs/NAME (usage: NAME WORKDIR [nosuspend]) uninterrupted, then stopped at its own
    suspendable.suspend(WORKDIR/SNAPSHOT) and resumed; checks the exit statuses and that the two
    stdouts together equal the uninterrupted one. Returns (reference, resumed) CompletedProcesses."""
    reference_dir = workdir / "reference"
    reference_dir.mkdir(exist_ok=True)
    reference = cli("run", program(name), reference_dir, "nosuspend", env=env)
    assert reference.returncode == status, reference.stdout + reference.stderr
    first = cli("run", program(name), workdir, env=env)
    assert first.returncode == 75, first.stderr
    resumed = cli("resume", workdir / snapshot, env=env)
    assert resumed.returncode == status, resumed.stderr
    assert first.stdout + resumed.stdout == reference.stdout
    return reference, resumed


def suspended_in_steps(cli, name, workdir, snapshots):
    """Like suspended_once, for a program that suspends itself at WORKDIR/SNAPSHOT for each of
    `snapshots` in turn: each resume but the last stops again. Returns the reference run."""
    reference_dir = workdir / "reference"
    reference_dir.mkdir(exist_ok=True)
    reference = cli("run", program(name), reference_dir, "nosuspend")
    assert reference.returncode == 0, reference.stdout + reference.stderr
    step = cli("run", program(name), workdir)
    outputs = [step.stdout]
    for snapshot in snapshots:
        assert step.returncode == 75, step.stderr
        step = cli("resume", workdir / snapshot)
        outputs.append(step.stdout)
    assert step.returncode == 0, step.stderr
    assert "".join(outputs) == reference.stdout
    return reference
