"""The catalog: every kind of object a notebook or script holds survives suspend/resume in a fresh process.

programs/catalog.py builds each kind in a global and in a frame local (plus identity/sharing relations),
checkpoints, and checks everything against freshly constructed expected values; here it is run with
`suspendable run` and resumed with `suspendable resume`.
"""

import re

from conftest import program


def _lines(text, prefix=""):
    ok, failed = [], []
    for line in text.splitlines():
        if line.startswith(prefix + "ok "):
            ok.append(line[len(prefix) + 3:])
        elif line.startswith(prefix + "FAIL "):
            failed.append(line[len(prefix) + 5:])
    return ok, failed


def test_catalog_round_trip(cli, tmp_path):
    snap = tmp_path / "catalog.snap"
    first = cli("run", "--snapshot", snap, program("catalog.py"), tmp_path)
    assert first.returncode == 0, first.stderr
    assert "cannot suspend" not in first.stderr, first.stderr
    # The expectations hold in the process that saved (checked after the snapshot was written).
    ok, failed = _lines(first.stdout, "pre ")
    assert not failed, "\n".join(failed)
    assert snap.exists()

    resumed = cli("resume", snap)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    ok_after, failed_after = _lines(resumed.stdout)
    assert not failed_after, "\n".join(failed_after)
    kinds = int(re.search(r"^kinds (\d+)$", resumed.stdout, re.M).group(1))
    assert len(ok_after) == kinds == len(ok)
    assert kinds >= 80


def test_buffers_go_out_of_band(cli, tmp_path):
    """numpy arrays (also views and non-contiguous slices: their base) and pandas frames are written as
    out-of-band PickleBuffers, not through the pickle stream; checked in the real product's process."""
    result = cli("run", "--snapshot", tmp_path / "unused.snap", program("buffers.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all buffer checks passed" in result.stdout, result.stdout + result.stderr


def test_big_array_snapshot_round_trip(cli, tmp_path):
    snap = tmp_path / "big.snap"
    first = cli("run", "--snapshot", snap, program("big_array.py"))
    assert first.returncode == 0, first.stderr
    assert snap.stat().st_size > 64 * 2 ** 20  # the data is in the file...
    resumed = cli("resume", snap)
    assert resumed.returncode == 0, resumed.stderr
    assert "big array ok" in resumed.stdout, resumed.stdout + resumed.stderr
