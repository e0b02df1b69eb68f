"""What the user is told about a suspend request that no safe point served."""

import signal
import subprocess


def test_a_request_the_program_outran_is_reported(cli, tmp_path):
    # The last statement is a native call that says it is ready itself (a child process writing to the
    # same stdout): the signal surely arrives inside it, and no line follows once its handler has run.
    script = tmp_path / "last_call.py"
    script.write_text("import os\nos.system('echo ready; sleep 1.5')\n")
    snap = tmp_path / "last_call.snap"
    proc = subprocess.Popen([cli.binary, "run", "--snapshot", str(snap), str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGUSR1)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "the program ended before a safe point; nothing was saved (exit status 0)" in err, err
    assert not snap.exists()
