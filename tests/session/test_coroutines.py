"""Suspended coroutines and async generators travel by value, like generators."""

from conftest import program


def test_coroutines_and_async_generators_round_trip(cli, tmp_path):
    snap = tmp_path / "coro.snap"
    first = cli("run", program("coroutines.py"), snap)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "first paused got 0",
        "run c: 30 ['start 3', 'middle 3']",
        "stepper returned 3 ['start 3', 'middle 3', 'stepped']",
        "agen rest [1, 4, 9]",
        "closed coroutine True",
    ], first.stdout + first.stderr
    resumed = cli("resume", snap)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines() == ["resumed"] + first.stdout.splitlines()
