"""Extension points: suspendable.register(type, save_fn, restore_fn) and suspendable.on_resume(fn)."""


from conftest import program


def test_register_reconnects_a_database(cli, tmp_path):
    first = cli("run", "--snapshot", tmp_path / "unused.snap", program("register_sqlite.py"), tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["saved 3 True Connection"], first.stdout + first.stderr
    resumed = cli("resume", tmp_path / "first.snap")
    assert resumed.returncode == 0, resumed.stderr
    # A working connection to the same file, shared by the global and the frame local.
    assert resumed.stdout.splitlines() == ["resumed 3 True Connection"], resumed.stdout + resumed.stderr


def test_registrations_survive_a_resume(cli, tmp_path):
    cli("run", "--snapshot", tmp_path / "unused.snap", program("register_sqlite.py"), tmp_path, "again")
    resumed = cli("resume", tmp_path / "first.snap")
    assert "cannot suspend" not in resumed.stderr, resumed.stderr
    assert (tmp_path / "again.snap").exists()
    again = cli("resume", tmp_path / "again.snap")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "again resumed 6", again.stdout + again.stderr


def test_on_resume_hook_reconnects(cli, tmp_path):
    first = cli("run", "--skip-unsaveable", "--snapshot", tmp_path / "unused.snap",
                program("on_resume_hook.py"), tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["saved True 42"], first.stdout + first.stderr
    resumed = cli("resume", tmp_path / "hook.snap")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines() == ["resumed True 42"], resumed.stdout + resumed.stderr
