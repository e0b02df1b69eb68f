"""%autocheckpoint against the real kernel: a running cell is saved periodically without stopping, and
after a restart `%resume` of the checkpoint continues the cell from where the last checkpoint was."""

import re

import pytest

from harness import strip_ansi


pytestmark = pytest.mark.usefixtures("suspendable_only")


LOOP = """
import time
def work(n):
    total = 0
    for i in range(n):
        total += i * i
        print("tick", i, total, flush=True)
        time.sleep(0.25)
    return total

work(14)
"""
EXPECTED = ["tick %d %d" % (i, sum(k * k for k in range(i + 1))) for i in range(14)]


def _stdout_lines(ex):
    text = "".join(r.content["text"] for r in ex.of_type("stream") if r.content["name"] == "stdout")
    return [line for line in text.splitlines() if not line.startswith("[suspendable]")]


def test_running_cells_are_checkpointed_and_a_restart_resumes_the_latest(fresh_kernel):
    on = fresh_kernel.ok("%autocheckpoint 1s")
    assert "every 1s" in on.stdout, on.describe()
    first = fresh_kernel.ok(LOOP, timeout=60)
    assert _stdout_lines(first) == EXPECTED, "the checkpoints do not disturb the cell"
    assert first.result["text/plain"] == "819"
    notes = re.findall(r"automatic checkpoint '(autocheckpoint-[\w.-]+)' at cell \[\d+\] in work\(\) at line \d+ "
                       r"of cell \[\d+\]: [\d.]+ (?:B|KiB|MiB), the cell paused \d+ ms", strip_ansi(first.stderr))
    assert len(notes) >= 2, first.describe()
    name = notes[-1]

    fresh_kernel.restart()
    resumed = fresh_kernel.ok(f"%resume {name}", timeout=60)
    after = _stdout_lines(resumed)
    assert after == EXPECTED[len(EXPECTED) - len(after):], "it continues where the last checkpoint was"
    assert resumed.result["text/plain"] == "819", resumed.describe()

    status = fresh_kernel.ok("%autocheckpoint")
    assert "off" in status.stdout, "a restarted kernel starts with checkpoints off"


def test_autocheckpoint_off_stops_them_and_bad_intervals_are_refused(fresh_kernel):
    fresh_kernel.ok("%autocheckpoint 1s")
    off = fresh_kernel.ok("%autocheckpoint off")
    assert "off" in off.stdout
    quiet = fresh_kernel.ok("import time\nfor i in range(10):\n    time.sleep(0.25)\n", timeout=30)
    assert "automatic checkpoint" not in quiet.stderr, quiet.describe()
    bad = fresh_kernel.execute("%autocheckpoint soon")
    assert bad.status == "error" and "not an interval: 'soon'" in strip_ansi(str(bad.reply.content)), bad.describe()
