"""Locks, queues, thread-locals and logging configuration travel with the session (graph.py locks,
state.py logging): a job that logs and holds locks can be suspended and keeps logging after a resume."""


from conftest import program


def test_locks_queue_and_logging_survive_a_resume(cli, tmp_path):
    snap = tmp_path / "job.snap"
    first = cli("run", "--snapshot", tmp_path / "unused.snap", program("locks_and_logging.py"), snap)
    assert first.returncode == 0, first.stderr
    (tmp_path / "app.log").unlink()  # what the resume writes must come from the restored handler
    resumed = cli("resume", snap)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines() == [
        # both RLock levels, the Lock, the Event, the local, the queued item; a finished thread
        "True True True True 41 from worker False True",
        "released False True",
        # the root logger's FileHandler (reachable only through logging) reopened for appending
        "root INFO after True",
        "app DEBUG debug after True",
    ], resumed.stdout + resumed.stderr
    # A handler that cannot be saved is dropped, and the resume says so instead of refusing the suspend.
    assert "logging: <SocketHandler (NOTSET)> of logger 'net' was not saved (TypeError: cannot pickle " \
        "'socket' object)" in resumed.stderr, resumed.stderr


def test_an_rlock_held_by_a_finished_thread_is_named(cli, tmp_path):
    script = tmp_path / "leaked.py"
    script.write_text(
        "import threading, suspendable\n"
        "held = threading.RLock()\n"
        "t = threading.Thread(target=held.acquire)\n"
        "t.start(); t.join()\n"
        "suspendable.checkpoint('x.snap')\n"
        "print('kept running')\n")
    run = cli("run", script)
    assert run.returncode == 0 and run.stdout == "kept running\n", run.stdout + run.stderr
    assert "global 'held': _thread.RLock" in run.stderr, run.stderr


def test_a_running_child_process_refuses_the_suspend_a_finished_one_is_saved(cli, tmp_path):
    script = tmp_path / "children.py"
    script.write_text(
        "import subprocess, suspendable\n"
        "done = subprocess.Popen(['true']); done.wait()\n"
        "running = subprocess.Popen(['sleep', '1'])\n"
        "print(suspendable.checkpoint('refused.snap'))\n"
        "running.wait()\n"
        "print(suspendable.checkpoint('saved.snap'), done.returncode, running.returncode)\n")
    run = cli("run", script)
    assert run.returncode == 0 and run.stdout == "False\nFalse 0 0\n", run.stdout + run.stderr
    assert "global 'running': subprocess.Popen" in run.stderr and not (tmp_path / "refused.snap").exists()
    resumed = cli("resume", tmp_path / "saved.snap")
    assert resumed.returncode == 0 and resumed.stdout == "True 0 0\n", resumed.stdout + resumed.stderr
