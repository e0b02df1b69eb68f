"""A request that arrives while __init__ builds an object whose class pickles itself with a Python
__getstate__ / __reduce__ (written for complete objects) is served at once: the object is saved as its
raw state and the resumed __init__ finishes it. Before, the request waited for __init__ to return and
was abandoned after the safe-point timeout."""

import signal
import subprocess

import pytest

from conftest import program


@pytest.mark.parametrize("phase", ["Trainer", "Grid"])
def test_signal_inside_init_of_object_with_getstate(cli, tmp_path, phase):
    work = tmp_path / "work"
    work.mkdir()
    (work / "stop").write_text("")
    reference = cli("run", program("half_built.py"), work, phase)
    assert reference.returncode == 0, reference.stderr
    (work / "stop").unlink()

    snap = tmp_path / "s.snap"
    proc = subprocess.Popen([cli.binary, "run", "--safe-point-timeout", "5", "--snapshot", str(snap),
                             program("half_built.py"), str(work), phase],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
    try:
        first_line = proc.stdout.readline()
        assert first_line == f"ready {phase}\n"
        proc.send_signal(signal.SIGUSR1)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 75, err
    assert "in wait_for_stop()" in err, err  # called by __init__

    (work / "stop").write_text("")
    resumed = cli("resume", snap)
    assert resumed.returncode == 0, resumed.stderr
    assert first_line + out + resumed.stdout == reference.stdout
