"""history_request: the history is kept on disk (IPYTHONDIR of the hermetic environment) and survives restarts."""

import uuid


def _tail(kernel, n=20, output=False):
    reply = kernel.request(
        "history_request",
        {"hist_access_type": "tail", "n": n, "raw": True, "output": output},
    )
    assert reply["status"] == "ok", reply
    return reply["history"]


def _sources(history):
    return [entry[2] if isinstance(entry[2], str) else entry[2][0] for entry in history]


def test_history_tail(kernel):
    marker = uuid.uuid4().hex[:8]
    cells = [f"hist_a_{marker} = 1", f"hist_b_{marker} = 2", f"hist_a_{marker} + hist_b_{marker}"]
    counts = [kernel.ok(c).execution_count for c in cells]
    history = _tail(kernel, 10)
    assert _sources(history)[-3:] == cells, history
    # Entries are (session, line_number, input) with line numbers = execution counts.
    assert [entry[1] for entry in history[-3:]] == counts, history
    sessions = {entry[0] for entry in history[-3:]}
    assert len(sessions) == 1


def test_history_tail_with_output(kernel):
    marker = uuid.uuid4().hex[:8]
    kernel.ok(f"'out_{marker}'")
    last = _tail(kernel, 3, output=True)[-1]
    # With output=True each entry's input is an (input, output) pair; IPython records outputs only when
    # HistoryManager.db_log_output is on (off by default), so output may be None.
    source, output = last[2]
    assert source == f"'out_{marker}'"
    assert output in (None, f"'out_{marker}'"), last


def test_history_search(kernel):
    marker = uuid.uuid4().hex[:8]
    kernel.ok(f"searched_{marker} = 1")
    reply = kernel.request(
        "history_request",
        {"hist_access_type": "search", "pattern": f"*searched_{marker}*", "raw": True, "output": False, "n": 5},
    )
    assert reply["status"] == "ok"
    assert _sources(reply["history"]) == [f"searched_{marker} = 1"], reply


def test_history_survives_restart(fresh_kernel):
    k = fresh_kernel
    marker = uuid.uuid4().hex[:8]
    cells = [f"persist_{marker} = {i}" for i in range(3)]
    for c in cells:
        k.ok(c)
    k.restart(timeout=60)
    k.ok("after_restart = 1")
    sources = _sources(_tail(k, 20))
    for c in cells:
        assert c in sources, f"{c!r} lost by the restart: {sources}"
    assert sources[-1] == "after_restart = 1"
    assert sources.index(cells[0]) < sources.index(cells[2]) < sources.index("after_restart = 1")
