"""What a program sets up outside its own objects comes back after a resume (state.py process state):
signal handlers and a running timer, sys.excepthook, the int digit limit, numpy options, csv dialects,
a redirected sys.stdout; dict / list subclasses with Python __setitem__ / append keep their items as
stored; a module object made at run time travels by value (graph.py)."""

import os

from conftest import program, suspended_once


def test_process_hooks_and_containers_survive_two_resumes(cli, tmp_path):
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    reference = cli("run", program("process_hooks.py"), reference_dir, "nosuspend")
    assert reference.returncode == 1, reference.stderr
    assert "excepthook: RuntimeError the end" in reference.stdout
    assert "{'apple': 125} [('tag', 1), ('tag', 2)]" in reference.stdout
    first = cli("run", program("process_hooks.py"), tmp_path)
    assert first.returncode == 75, first.stderr
    # Resumed from another directory with a relative path: the next suspend (to the default path,
    # the resumed file) resolves it from where `resume` was typed, not from the program's directory.
    os.mkdir(tmp_path / "elsewhere")
    second = cli("resume", "../redirected.snap", cwd=str(tmp_path / "elsewhere"))
    assert second.returncode == 75, second.stderr
    assert f"snapshot {tmp_path / 'redirected.snap'} (" in second.stderr, second.stderr
    third = cli("resume", tmp_path / "redirected.snap")
    assert third.returncode == 1, third.stderr
    assert first.stdout + second.stdout + third.stdout == reference.stdout
    assert third.stderr == "", third.stderr


def test_class_hooks_do_not_run_again_and_find_their_globals(cli, tmp_path):
    _, resumed = suspended_once(cli, "class_hooks.py", tmp_path, "hooks.snap")
    assert resumed.stdout.startswith("{Key(' Alpha'): 1} 1 ['P1', 'P2'] ['A', 'B'] hi 4 True False Meta\n"), \
        resumed.stdout


def test_memoized_functions_keep_their_cache(cli, tmp_path):
    _, resumed = suspended_once(cli, "memoized.py", tmp_path, "memo.snap")
    assert "loading" not in resumed.stdout  # all three names were loaded before the suspend


def test_process_settings_and_tricky_objects_survive(cli, tmp_path):
    _, resumed = suspended_once(cli, "process_settings.py", tmp_path, "settings.snap")
    assert "Asia/Tokyo ('JST', 'JST') 09:00 JST" in resumed.stdout


def test_finalizers_and_memmaps_survive(cli, tmp_path):
    reference, _ = suspended_once(cli, "finalizers.py", tmp_path, "fin.snap")
    assert "finalized n" in reference.stdout and reference.stdout.endswith("at exit\n"), reference.stdout
    assert not list(tmp_path.glob("tmp*")), "a TemporaryDirectory was left behind"


def test_context_variables_keep_their_values(cli, tmp_path):
    _, resumed = suspended_once(cli, "context_vars.py", tmp_path, "ctx.snap")
    assert "2 r-7 ada 3 ada unset" in resumed.stdout, resumed.stdout


def test_directory_walks_resume(cli, tmp_path):
    _, resumed = suspended_once(cli, "walk_tree.py", tmp_path, "walk.snap")
    assert "gone is gone" in resumed.stdout and "tree/c h 4" in resumed.stdout, resumed.stdout


def test_atexit_handlers_run_after_a_resume(cli, tmp_path):
    reference, resumed = suspended_once(cli, "exit_handlers.py", tmp_path, "exit.snap")
    assert "at exit: summary 55\nat exit: builtin print with args\nat exit: decorated 6\n" in reference.stdout
    assert resumed.stdout.endswith(reference.stdout[reference.stdout.index("step 3"):])


def test_module_locks_held_at_the_suspend_are_held_again(cli, tmp_path):
    reference, resumed = suspended_once(cli, "module_lock.py", tmp_path, "lock.snap")
    assert resumed.stdout == "(3, True)\n(6, True)\n", resumed.stdout + resumed.stderr
    again = tmp_path / "again"
    again.mkdir()
    first = cli("run", program("module_lock.py"), again)
    assert first.returncode == 75, first.stderr
    assert "os.fwalk() walk in progress holds directory descriptors" in first.stderr, first.stderr
    assert first.stdout == "walked tree\nwalked tree/sub\n", first.stdout
