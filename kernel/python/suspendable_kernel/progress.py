"""Progress of a long save or restore, in the cell's output: one display updated in place (never a
flood of lines), shown only when the operation lasts longer than a second.

A thread of its own updates the display twice a second. It gets the GIL because the snapshot writer
and reader release it while they do I/O and hashing, and the pickler hands it over every switch
interval. Bytes written are read from /proc/self/io (``wchar``), which counts the writer's write()
calls whatever the file is (the writer may use an unnamed O_TMPFILE).
"""

import json
import os
import threading
import time
import uuid

import _suspendable_kernel as _kernel
from suspendable.session import _human

DELAY = float(os.environ.get("SUSPENDABLE_PROGRESS_DELAY", "1.0"))
INTERVAL = 0.5
_BAR = 24


def _written():
    try:
        with open("/proc/self/io", "rb") as f:
            for line in f:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Progress:
    """``with Progress("saving session 'x'") as p: p.phase("writing", total_bytes)...``"""

    def __init__(self, label):
        self.label = label
        self.step = "starting"
        self.total = None
        self.base = None
        self.started = time.monotonic()
        self.display_id = uuid.uuid4().hex
        self.shown = False
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="suspendable-progress", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop.set()
        self.thread.join()
        if self.shown:
            outcome = "failed" if exc_type is not None else "done"
            self._publish(f"[suspendable] {self.label}: {outcome} in {time.monotonic() - self.started:.1f} s")
        return False

    def phase(self, step, total_bytes=None):
        """A new step; with `total_bytes`, the bytes this process writes from now on measure it."""
        with self.lock:
            self.step = step
            self.total = total_bytes
            self.base = _written() if total_bytes else None

    def _text(self):
        with self.lock:
            step, total, base = self.step, self.total, self.base
        elapsed = time.monotonic() - self.started
        if total and base is not None:
            done = min(max((_written() or base) - base, 0), total)
            filled = int(_BAR * done / total)
            return (f"[suspendable] {self.label}: {step} [{'#' * filled}{'.' * (_BAR - filled)}] "
                    f"{_human(done)} of {_human(total)}, {elapsed:.1f} s")
        return f"[suspendable] {self.label}: {step}, {elapsed:.1f} s"

    def _publish(self, text):
        data = json.dumps({"text/plain": text})
        _kernel.display_data(data, "{}", json.dumps({"display_id": self.display_id}), self.shown)
        self.shown = True

    def _run(self):
        if self.stop.wait(DELAY):
            return
        while True:
            self._publish(self._text())
            if self.stop.wait(INTERVAL):
                return


class Silent:
    """A Progress that shows nothing (a restore at start-up, where no cell runs)."""

    def phase(self, step, total_bytes=None):
        pass
