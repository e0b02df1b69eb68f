"""%autocheckpoint INTERVAL | off: save running cells periodically, so a crash or a kill loses little.

A daemon thread waits for the interval; when it elapses while a cell runs, it leaves a request with the
origin "autocheckpoint" and arms the engine from any thread (a pending call: the main thread arms it at
its next eval-breaker check). At the cell's next safe point the whole session (namespace + the running
call stack) is written as this kernel's checkpoint and the cell simply continues; the cell's output says
how long it paused. One file per kernel, overwritten each time: `%resume autocheckpoint-...` continues
from the latest one after a restart.
"""

import json
import re
import sys
import threading
import time

import _suspendable_engine as _engine
import _suspendable_kernel as _kernel
from suspendable import session

from . import suspension

ORIGIN = "autocheckpoint"
_UNITS = {"s": 1, "m": 60, "h": 3600}


class _Timer:
    """The interval, the time of the last checkpoint (or cell start), and the thread that waits."""

    def __init__(self):
        self.interval = None
        self.last = time.monotonic()
        self.changed = threading.Condition()
        self.thread = None


_timer = _Timer()


def parse_interval(text):
    """'10m', '90s', '1h', '45' (seconds) -> seconds; 'off' -> None."""
    text = text.strip().lower()
    if text in ("off", "0"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smh]?)", text)
    if not match:
        raise suspension.SuspendError(f"not an interval: {text!r} (use e.g. 30s, 10m, 1h or off)")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < 1:
        raise suspension.SuspendError("the interval must be at least 1 second")
    return seconds


def _human_interval(seconds):
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def checkpoint_name():
    """One checkpoint per kernel (the store keeps the newest file under a name)."""
    return "autocheckpoint-" + re.sub(r"[^A-Za-z0-9_.-]", "", suspension._state.kernel_id)[:8]


def magic(line):
    """%autocheckpoint [INTERVAL | off]

    Saves running cells every INTERVAL (30s, 10m, 1h): the whole session, including the running call
    stack, is written as this kernel's checkpoint at the cell's next safe point, and the cell continues
    (its output reports the pause). After a crash or restart, `%resume autocheckpoint-...` continues
    from the latest checkpoint. Without an argument, shows the current setting."""
    if not line.strip():
        if _timer.interval is None:
            print("Automatic checkpoints are off (%autocheckpoint 10m turns them on).")
        else:
            print(f"Running cells are checkpointed every {_human_interval(_timer.interval)} as "
                  f"'{checkpoint_name()}'.")
        return
    interval = parse_interval(line)
    with _timer.changed:
        _timer.interval = interval
        _timer.last = time.monotonic()
        if interval is not None and _timer.thread is None:
            _timer.thread = threading.Thread(target=_wait_and_request, name="suspendable-autocheckpoint",
                                             daemon=True)
            _timer.thread.start()
        _timer.changed.notify_all()
    if interval is None:
        print("Automatic checkpoints are off.")
    else:
        print(f"Running cells will be checkpointed every {_human_interval(interval)} as '{checkpoint_name()}' "
              "(each cell pauses while its session is written).")


def cell_started():
    """A cell starts (or a suspended one resumes): its first checkpoint is one interval from now."""
    _timer.last = time.monotonic()


def _wait_and_request():
    with _timer.changed:
        while True:
            if _timer.interval is None:
                _timer.changed.wait()
                continue
            remaining = _timer.last + _timer.interval - time.monotonic()
            if remaining > 0:
                _timer.changed.wait(remaining)
                continue
            _timer.last = time.monotonic()
            if suspension._state.running:
                # A pending %suspend or suspend_request wins: restore_suspend_request keeps it.
                _kernel.restore_suspend_request(json.dumps({"origin": ORIGIN}))
                _engine.request_threadsafe()


def save(frame):
    """Safe-point callback for an automatic checkpoint: write the session, let the cell continue."""
    started = time.monotonic()
    name = checkpoint_name()
    try:
        frames, exc = _engine.capture(frame, suspension._state.base_code, 0)
        path, size, manifest = suspension._write(suspension.SNAPSHOT_KIND_CELL, name, frames, exc)
    except (RuntimeError, suspension.SuspendError) as e:
        print(f"\n[suspendable] automatic checkpoint failed, the cell keeps running (next try in "
              f"{_human_interval(_timer.interval or 0)}): {e}", file=sys.stderr, flush=True)
        return True
    suspension._state.last_checkpoint = (name, suspension._state.cell_count)
    where = suspension._describe(suspension._location(frames), suspension._state.cell_count)
    paused = time.monotonic() - started
    print(f"[suspendable] automatic checkpoint '{name}' at {where}: {session._human(size)}, the cell paused "
          f"{paused * 1000:.0f} ms\n{suspension.skipped_note(manifest)}", file=sys.stderr, end="", flush=True)
    _timer.last = time.monotonic()
    return True
