"""Process state and modules across `suspendable run` -> `suspendable resume` in a fresh process.

Each program stops itself with `suspendable.suspend()` (exit 75) at a known point; the resume runs in
another process, from another working directory and with another HOME and PATH, as on another machine.
What the session set must come back; what the new machine has must not be clobbered.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import harness

BIN = harness.suspendable_binary()
pytestmark = pytest.mark.skipif(BIN is None, reason="the suspendable binary was not found")


@pytest.fixture
def sandbox(tmp_path):
    """A program directory, a second machine's directory, and a shared key/store (SUSPENDABLE_HOME)."""
    prog = tmp_path / "prog"
    elsewhere = tmp_path / "elsewhere"
    prog.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SUSPENDABLE_TEST"))}
    env["SUSPENDABLE_HOME"] = str(tmp_path / "suspendable-home")
    env["HOME"] = str(tmp_path / "home-a")
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return prog, elsewhere, env


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


def run(args, cwd, env, timeout=60):
    return subprocess.run([str(BIN), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_until_suspended(prog_dir, env, script, *extra):
    done = run(["run", *extra, "--snapshot", prog_dir / "s.snap", script, "arg1", "arg2"], prog_dir, env)
    assert done.returncode == 75, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def second_machine(env, tmp_home):
    other = dict(env)
    other["HOME"] = str(tmp_home)
    other["PATH"] = "/usr/bin:/bin:/opt/other/bin"
    other["ONLY_ON_NEW_MACHINE"] = "yes"
    return other


def test_resume_elsewhere_keeps_what_the_session_set_and_the_new_machines_home_and_path(sandbox, tmp_path):
    prog, elsewhere, env = sandbox
    env["DROPPED_BY_SESSION"] = "old"
    (prog / "data.txt").write_text("relative file\n")
    script = write(prog / "envs.py", """
        import os, sys, suspendable
        os.environ["SET_BY_SESSION"] = "kept"
        del os.environ["DROPPED_BY_SESSION"]
        sys.path.append("/opt/added-by-session")
        suspendable.suspend()
        print("SET_BY_SESSION", os.environ.get("SET_BY_SESSION"))
        print("DROPPED_BY_SESSION", os.environ.get("DROPPED_BY_SESSION"))
        print("ONLY_ON_NEW_MACHINE", os.environ.get("ONLY_ON_NEW_MACHINE"))
        print("HOME", os.environ["HOME"])
        print("PATH", os.environ["PATH"])
        print("cwd", os.getcwd())
        print("relative", open("data.txt").read().strip())
        print("argv", sys.argv)
        print("added_path", "/opt/added-by-session" in sys.path, sys.path[0])
    """)
    run_until_suspended(prog, env, script)
    other = second_machine(env, tmp_path / "home-b")
    other["DROPPED_BY_SESSION"] = "set again on the new machine"
    done = run(["resume", prog / "s.snap"], elsewhere, other)
    assert done.returncode == 0, done.stderr
    out = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert out["SET_BY_SESSION"] == "kept"
    assert out["DROPPED_BY_SESSION"] == "None", "the session removed it: it stays removed"
    assert out["ONLY_ON_NEW_MACHINE"] == "yes"
    assert out["HOME"] == str(tmp_path / "home-b"), "HOME was not set by the session: the new one stays"
    assert out["PATH"] == "/usr/bin:/bin:/opt/other/bin"
    assert out["cwd"] == str(prog), "the program's working directory comes back (it exists here)"
    assert out["relative"] == "relative file"
    assert out["argv"] == f"['{script}', 'arg1', 'arg2']"
    assert out["added_path"] == f"True {prog}"


def test_a_path_the_session_set_itself_is_restored(sandbox, tmp_path):
    prog, elsewhere, env = sandbox
    script = write(prog / "setpath.py", """
        import os, suspendable
        os.environ["PATH"] = "/session/bin:" + os.environ["PATH"]
        os.environ["HOME"] = "/session/home"
        suspendable.suspend()
        print(os.environ["PATH"]); print(os.environ["HOME"])
    """)
    run_until_suspended(prog, env, script)
    done = run(["resume", prog / "s.snap"], elsewhere, second_machine(env, tmp_path / "home-b"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["/session/bin:/usr/local/bin:/usr/bin:/bin", "/session/home"]


def test_a_vanished_working_directory_is_reported_and_the_program_continues(sandbox, tmp_path):
    prog, elsewhere, env = sandbox
    work = tmp_path / "work"
    work.mkdir()
    script = write(prog / "cwd.py", f"""
        import os, suspendable
        os.chdir({str(work)!r})
        suspendable.suspend()
        print("cwd", os.getcwd())
    """)
    run_until_suspended(prog, env, script)
    work.rmdir()
    done = run(["resume", prog / "s.snap"], elsewhere, env)
    assert done.returncode == 0, done.stderr
    assert f"the working directory {work} does not exist here" in done.stderr
    assert done.stdout.strip() == f"cwd {elsewhere}"


def test_interpreter_state_round_trips(sandbox):
    prog, elsewhere, env = sandbox
    script = write(prog / "interp.py", """
        import decimal, random, sys, warnings
        import numpy as np
        import suspendable
        random.seed(7); np.random.seed(11)
        random.random(); np.random.random()
        sys.setrecursionlimit(3456)
        decimal.getcontext().prec = 9
        decimal.getcontext().rounding = decimal.ROUND_DOWN
        warnings.filterwarnings("error", message="boom", category=UserWarning)
        suspendable.suspend()
        print("random", random.random(), np.random.random())
        print("limit", sys.getrecursionlimit())
        print("decimal", decimal.Decimal(1) / decimal.Decimal(7), decimal.getcontext().rounding)
        try:
            warnings.warn("boom")
            print("warning", "not raised")
        except UserWarning:
            print("warning", "raised as configured")
    """)
    reference = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import decimal, random, numpy as np
        random.seed(7); np.random.seed(11); random.random(); np.random.random()
        decimal.getcontext().prec = 9; decimal.getcontext().rounding = decimal.ROUND_DOWN
        print("random", random.random(), np.random.random())
        print("decimal", decimal.Decimal(1) / decimal.Decimal(7), decimal.getcontext().rounding)
    """)], capture_output=True, text=True, check=True).stdout.splitlines()
    run_until_suspended(prog, env, script)
    done = run(["resume", prog / "s.snap"], elsewhere, env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == reference[0], "random and numpy.random continue their sequences"
    assert lines[1] == "limit 3456"
    assert lines[2] == reference[1]
    assert lines[3] == "warning raised as configured"


def test_on_resume_hooks_run_after_the_namespace_is_back(sandbox):
    prog, elsewhere, env = sandbox
    script = write(prog / "hooks.py", """
        import suspendable
        state = {"connected": False, "url": "db://example"}

        @suspendable.on_resume
        def reconnect():
            state["connected"] = True
            print("reconnected to", state["url"])

        @suspendable.on_resume
        def broken():
            raise OSError("network down")

        suspendable.suspend()
        print("connected", state["connected"])
    """)
    first = run_until_suspended(prog, env, script)
    assert "reconnected" not in first.stdout, "hooks run at resume only"
    done = run(["resume", prog / "s.snap"], elsewhere, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["reconnected to db://example", "connected True"]
    assert "on_resume hook broken() raised OSError: network down" in done.stderr


def test_local_modules_are_checked_and_can_be_bundled(sandbox):
    prog, elsewhere, env = sandbox
    write(prog / "helpers.py", "def scale(x):\n    return x * 2\n")
    script = write(prog / "uses_local.py", """
        import helpers, suspendable
        suspendable.suspend()
        print("scaled", helpers.scale(21))
    """)
    run_until_suspended(prog, env, script)
    run_until_suspended(prog, env, script, "--bundle-modules")  # s.snap now carries helpers.py
    plain = prog / "plain.snap"
    assert run(["run", "--snapshot", plain, script], prog, env).returncode == 75

    # Another size than before: CPython's pyc check (mtime in seconds + size) must see the change.
    write(prog / "helpers.py", "def scale(x):\n    return x * 3  # changed\n")
    changed = run(["resume", plain], elsewhere, env)
    assert changed.returncode == 0, changed.stderr
    assert f"module helpers ({prog / 'helpers.py'}) changed since the snapshot" in changed.stderr
    assert changed.stdout.strip() == "scaled 63", "unbundled: the module as it is now"

    (prog / "helpers.py").unlink()
    assert run(["run", "--snapshot", plain, script], prog, env).returncode == 1  # sanity: it is gone
    write(prog / "helpers.py", "def scale(x):\n    return x * 2\n")
    assert run(["run", "--snapshot", plain, script], prog, env).returncode == 75
    (prog / "helpers.py").unlink()
    missing = run(["resume", plain], elsewhere, env)
    assert missing.returncode == 2
    assert "module helpers" in missing.stderr and "is missing" in missing.stderr
    assert "--bundle-modules" in missing.stderr

    bundled = run(["resume", prog / "s.snap"], elsewhere, env)
    assert bundled.returncode == 0, bundled.stderr
    assert "is missing; using the copy bundled in the snapshot" in bundled.stderr
    assert bundled.stdout.strip() == "scaled 42"


def test_module_versions_are_compared_and_changed_library_frames_refused(sandbox):
    prog, elsewhere, env = sandbox
    site = prog / "lib" / "site-packages"
    (site / "vendored").mkdir(parents=True)
    init = site / "vendored" / "__init__.py"
    write(init, """
        __version__ = "1.0"
        def work(n):
            import suspendable
            suspendable.suspend()
            return n + 1
    """)
    env["PYTHONPATH"] = str(site)
    script = write(prog / "uses_lib.py", """
        import vendored
        print("result", vendored.work(1))
    """)
    run_until_suspended(prog, env, script)

    init.write_text(init.read_text().replace('"1.0"', '"2.0.1"'))
    same_code = run(["resume", prog / "s.snap"], elsewhere, env)
    assert same_code.returncode == 0, same_code.stderr
    assert "module vendored was version 1.0 at the snapshot, it is 2.0.1 here" in same_code.stderr
    assert same_code.stdout.strip() == "result 2"

    run_until_suspended(prog, env, script)
    init.write_text(init.read_text().replace("n + 1", "n + 100"))
    refused = run(["resume", prog / "s.snap"], elsewhere, env)
    assert refused.returncode == 2
    assert "the code of vendored.work changed since the snapshot" in refused.stderr
    assert refused.stdout == ""
