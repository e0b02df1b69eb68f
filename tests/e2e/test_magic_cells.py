"""Cells run through IPython's magics (%%time, %time, %%timeit, %run) are suspended like plain cells:
the magics run the user's code with exec(), which the engine continues at resume, and the shell and
the magic's own object travel by reference (the resuming kernel's)."""

import pytest

from test_suspend import _result, _stdout, _suspend_while_running

pytestmark = pytest.mark.usefixtures("suspendable_only")

TRAIN = """import time
def step(i):
    return i * 3
def train(n):
    acc = []
    for i in range(n):
        acc.append(step(i))
        print('epoch', i, flush=True)
        time.sleep(0.1)
    return sum(acc)
"""

CELLS = {
    "cell-time": ("%%time\n" + TRAIN + "total = train(16)\ntotal * 2\n", "720"),
    "line-time": (TRAIN + "%time total = train(16)\ntotal\n", "360"),
    "timeit": ("%%timeit -n1 -r1\n" + TRAIN + "total = train(16)\n", None),
}


@pytest.mark.parametrize("restart", [False, True], ids=["same-kernel", "after-restart"])
@pytest.mark.parametrize("kind", list(CELLS) + ["run"])
def test_a_cell_run_through_a_magic_is_suspended_and_resumed(fresh_kernel, kind, restart, tmp_path):
    if kind == "run":
        script = tmp_path / "train_script.py"
        script.write_text(TRAIN + "total = train(16)\nprint('script done', total)\n")
        code, value = f"%run {script}\ntotal\n", "360"
    else:
        code, value = CELLS[kind]
    reference = fresh_kernel.ok(code, timeout=60)
    expected = [line for line in _stdout(reference).splitlines() if line.startswith("epoch")]
    running, suspend, latency = _suspend_while_running(fresh_kernel, code, kind, after="epoch 3\n")
    assert suspend.status == "ok", suspend.describe()
    assert running.status == "aborted", running.describe()
    if restart:
        fresh_kernel.restart()
    resumed = fresh_kernel.ok(f"%resume {kind}", timeout=60)
    lines = (_stdout(running) + _stdout(resumed)).splitlines()
    assert [line for line in lines if line.startswith("epoch")] == expected
    # The magic's own report comes at the end, as in an uninterrupted run.
    assert any(end in _stdout(resumed) for end in ("Wall time", "per loop", "script done 360")), resumed.describe()
    if value is not None:
        assert _result(resumed) == value, resumed.describe()
