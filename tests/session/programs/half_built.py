"""Objects whose __init__ is running when the request arrives, of classes whose __getstate__ /
__reduce__ expect a complete object (usage: half_built.py WORKDIR). __init__ loops until WORKDIR/stop
exists; the test suspends it there and creates the file before resuming."""
import dataclasses
import os
import pickle
import sys
import threading
import time

stop = os.path.join(sys.argv[1], "stop")


def wait_for_stop(what):
    print("ready", what, flush=True)
    while not os.path.exists(stop):
        time.sleep(0.005)


class Trainer:
    """Drops its lock from the pickled state: the hook reads attributes __init__ has not set yet."""

    def __init__(self, epochs):
        self.lock = threading.Lock()
        self.history = []
        for epoch in range(epochs):
            self.history.append(epoch * epoch)
            if epoch == 1:
                wait_for_stop("Trainer")
        self.best = max(self.history)

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["lock"]
        state["best"] = self.best
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()


@dataclasses.dataclass(slots=True, frozen=True, init=False)
class Grid:
    """A frozen slots dataclass: its generated __getstate__ reads every field."""
    size: int
    cells: tuple

    def __init__(self, size):
        object.__setattr__(self, "size", size)
        wait_for_stop("Grid")
        object.__setattr__(self, "cells", tuple(range(size)))


phase = sys.argv[2] if len(sys.argv) > 2 else "Trainer"
if phase == "Trainer":
    t = Trainer(4)
    print("trainer", t.history, t.best, type(t.lock).__name__)
    copy = pickle.loads(pickle.dumps(t))
    print("copy", copy.history, copy.best, copy.lock is not t.lock)
else:
    g = Grid(3)
    print("grid", g, pickle.loads(pickle.dumps(g)) == g)
