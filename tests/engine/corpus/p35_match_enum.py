# corpus: small
# covers: match statements (class/sequence/mapping/guard patterns), enum.Enum and IntFlag members in state, a state
#         machine loop whose state is an enum
import enum
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class State(enum.Enum):
    IDLE = 1
    RUNNING = 2
    PAUSED = 3
    DONE = 4


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


def step(state, event):
    match (state, event):
        case (State.IDLE, "start"):
            return State.RUNNING
        case (State.RUNNING, "pause"):
            return State.PAUSED
        case (State.PAUSED, "resume"):
            return State.RUNNING
        case (_, "stop"):
            return State.DONE
        case _:
            return state


def classify(obj):
    match obj:
        case {"kind": "point", "x": x, "y": y} if x == y:
            return "diagonal point %d" % x
        case {"kind": "point", "x": x, "y": y}:
            return "point %d,%d" % (x, y)
        case [first, *rest]:
            return "sequence starting %r with %d more" % (first, len(rest))
        case int(n) if n < 0:
            return "negative"
        case str() as s:
            return "string " + s
        case _:
            return "other"


s = State.IDLE
for ev in ["start", "noop", "pause", "resume", "pause", "stop", "start"]:
    s = step(s, ev)
    print("event", ev, "->", s.name, s.value)
    tick()
for obj in [{"kind": "point", "x": 2, "y": 2}, {"kind": "point", "x": 1, "y": 5}, [9, 8, 7], -4, "hi", 3.5]:
    print("classify", classify(obj))
    tick()
p = Perm.R | Perm.W
for flag in Perm:
    print("perm", flag.name, bool(p & flag))
print("combined", int(p), State(3).name, [m.name for m in State])
