"""suspendable.store and `suspendable sessions`: naming, listing (without unpickling), latest, delete,
automatic saves pruned to the last N per kernel."""

import json
import os
import pickle
import time

import pytest

from conftest import run_cli


@pytest.fixture
def store(fmt):
    from suspendable import store

    return store


def save(store, name, line=1, **extra):
    manifest = {"location": {"file": "nb.py", "line": line, "function": "cell"}, **extra}
    return store.save(name, manifest, pickle.dumps({"x": line}), [bytearray(b"buffer" * 100)])


def test_sessions_dir_follows_suspendable_home(store, home, monkeypatch):
    assert store.sessions_dir() == str(home / "sessions")
    monkeypatch.delenv("SUSPENDABLE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", "/data")
    assert store.sessions_dir() == "/data/suspendable/sessions"


def test_save_list_latest_delete(store, home):
    assert store.list_sessions() == [] and store.latest() is None
    save(store, "first", line=3)
    time.sleep(0.01)
    path = save(store, "second", line=9)
    assert path == str(home / "sessions" / "second.snap")
    assert oct((home / "sessions").stat().st_mode & 0o777) == "0o700"
    sessions = store.list_sessions()
    assert [s.name for s in sessions] == ["first", "second"]
    assert sessions[1].where == "nb.py:9 in cell"
    assert sessions[1].size == os.path.getsize(path) and sessions[1].signed_ok
    assert store.latest().name == "second"
    assert store.resolve("latest") == path and store.resolve("second") == path
    assert store.resolve("/some/file.snap") == "/some/file.snap"
    store.delete("second")
    assert store.latest().name == "first"
    with pytest.raises(FileNotFoundError, match="no session named 'second'"):
        store.delete("second")


def test_replacing_a_session_keeps_one_file(store, home):
    save(store, "s", line=1)
    save(store, "s", line=2)
    assert os.listdir(home / "sessions") == ["s.snap"]
    assert store.latest().location["line"] == 2


@pytest.mark.parametrize("bad", ["", ".hidden", "-x", "a/b", "../up", "x.snap", "a b", "n" * 201])
def test_names_are_validated(store, bad):
    with pytest.raises(ValueError, match="invalid session name"):
        store.path_for(bad)


def test_unreadable_files_are_listed_with_their_error(store, home):
    save(store, "good")
    (home / "sessions" / "broken.snap").write_bytes(b"")
    by_name = {s.name: s for s in store.list_sessions()}
    assert "is empty" in by_name["broken"].error
    assert by_name["good"].error is None
    assert store.latest().name == "good"


def test_autosave_keeps_last_n_per_kernel(store, home):
    for i in range(7):
        store.autosave("kernel-A", {"step": i}, pickle.dumps(i), [], keep=3)
        store.autosave("kernel-B", {"step": i}, pickle.dumps(i), [], keep=2)
    sessions = store.list_sessions()
    a = [s for s in sessions if s.kernel == "kernel-A"]
    b = [s for s in sessions if s.kernel == "kernel-B"]
    assert [s.manifest["step"] for s in a] == [4, 5, 6]
    assert [s.manifest["step"] for s in b] == [5, 6]
    assert all(s.auto and s.name.startswith("auto-kernel-A-") for s in a)
    assert store.latest(kernel="kernel-A").manifest["step"] == 6


def test_keep_is_configurable(store, home, monkeypatch):
    assert store.keep_autosaves() == store.DEFAULT_KEEP_AUTOSAVES
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.json").write_text(json.dumps({"keep_autosaves": 2}))
    assert store.keep_autosaves() == 2
    monkeypatch.setenv("SUSPENDABLE_KEEP_AUTOSAVES", "4")
    assert store.keep_autosaves() == 4
    for i in range(6):
        store.autosave("k", {}, b"", [])
    assert len(store.list_sessions()) == 4


def test_stopped_at_of_script_snapshots_is_the_location(store, home):
    store.save("script", {"stopped_at": {"file": "prog.py", "line": 12, "function": "loop", "where": "x"}}, b"", [])
    assert store.latest().where == "prog.py:12 in loop"


def test_autosave_does_not_touch_named_sessions(store, home):
    save(store, "auto-k-manual")
    for i in range(4):
        store.autosave("k", {}, b"", [], keep=1)
    assert sorted(s.name for s in store.list_sessions())[1] == "auto-k-manual"
    assert len(store.list_sessions()) == 2


# --- the command line ----------------------------------------------------------------------------------


def test_cli_sessions_list_show_rm(store, home, capsys):
    r = run_cli("sessions")
    assert r.returncode == 0 and "no saved sessions" in r.stdout
    save(store, "analysis", line=42, kernel="k1")
    (home / "sessions" / "broken.snap").write_bytes(b"garbage" * 100)
    r = run_cli("sessions", "list")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "SAVED", "SIZE", "STOPPED", "AT"]
    assert any(l.startswith("analysis") and "nb.py:42 in cell" in l for l in lines)
    assert any(l.startswith("broken") and "not a suspendable snapshot" in l for l in lines)
    r = run_cli("sessions", "show", "analysis")
    assert r.returncode == 0 and "stopped at:  nb.py:42 in cell" in r.stdout and "signed with your key" in r.stdout
    r = run_cli("sessions", "show", "broken")
    assert r.returncode == 2 and "broken.snap: not a suspendable snapshot" in r.stderr
    r = run_cli("sessions", "latest")
    assert r.returncode == 0 and r.stdout.strip() == "analysis"
    r = run_cli("sessions", "path", "latest")
    assert r.stdout.strip() == str(home / "sessions" / "analysis.snap")
    r = run_cli("sessions", "rm", "analysis")
    assert r.returncode == 0 and not (home / "sessions" / "analysis.snap").exists()
    r = run_cli("sessions", "rm", "analysis")
    assert r.returncode == 2 and "no session named 'analysis'" in r.stderr
    r = run_cli("sessions", "show", "nothing-here")
    assert r.returncode == 2 and "no session named 'nothing-here'" in r.stderr
    r = run_cli("sessions", "show", "/nonexistent/x.snap")
    assert r.returncode == 2 and "/nonexistent/x.snap: no such file" in r.stderr
    r = run_cli("sessions", "frobnicate")
    assert r.returncode == 2 and "usage: suspendable sessions" in r.stderr


def test_cli_sessions_show_foreign_snapshot(store, home, tmp_path, monkeypatch):
    path = save(store, "mine")
    monkeypatch.setenv("SUSPENDABLE_HOME", str(tmp_path / "other"))
    r = run_cli("sessions", "show", path)
    assert r.returncode == 0 and f"NOT signed with your key: run `suspendable trust {path}`" in r.stdout
