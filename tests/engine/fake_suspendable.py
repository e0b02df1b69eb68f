#!/usr/bin/python3.11
"""A stand-in for the `suspendable` CLI, used only to test differential.py itself (never the product).

It follows the CLI contract (run / resume / inspect, --snapshot, SIGUSR1/SIGTERM, SUSPENDABLE_TEST_SUSPEND_AT,
SUSPENDABLE_TEST_REPORT, suspendable.checkpoint/suspend, refusal when a socket is live) by cheating: the script
always runs to completion in-process with stdout captured, line events of the script file are the "capturable"
points, a "snapshot" keeps the whole output plus the output offset at every event, and "resume" prints the rest.
It is correct by construction. With FAKE_SUSPENDABLE_BUG it becomes deliberately wrong, so that one can check that
the harness notices:
  dup   a resumed process first repeats the last line printed before the suspend (a re-executed statement)
  drop  a resumed process loses the first line it should print
  exit  a resumed process exits 0 whatever the program's status
Usage: differential.py --bin tests/engine/fake_suspendable.py [...]
"""
import io
import json
import os
import pickle
import signal
import socket
import sys
import traceback
import time
import types

BUG = os.environ.get("FAKE_SUSPENDABLE_BUG", "")


def parse(argv):
    opts = {"snapshot": None, "signals": [], "json": False}
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if not rest and a in ("--snapshot", "--signal", "--safe-point-timeout"):
            if a == "--snapshot":
                opts["snapshot"] = argv[i + 1]
            elif a == "--safe-point-timeout":
                opts["timeout"] = float(argv[i + 1])
            else:
                opts["signals"].append(argv[i + 1])
            i += 2
        elif a == "--json":
            opts["json"] = True
            i += 1
        else:
            rest.append(a)
            i += 1
    return opts, rest


def in_native(frame):
    """The fake's idea of a frame chain entered from C: some caller sits on a line calling sorted()."""
    import linecache
    f = frame.f_back
    while f is not None:
        if "sorted(" in linecache.getline(f.f_code.co_filename, f.f_lineno):
            return True
        f = f.f_back
    return False


def execute(script, args, sigs=(), true_checkpoint=None, timeout=None):
    path = os.path.abspath(script)
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="utf-8", write_through=True)
    rec = {"offsets": [], "sockets": {}, "checkpoints": [], "suspends": [], "signal_event": None,
           "requested": False}

    def pos():
        out.flush()
        return len(buf.getvalue())

    def live_socket(frame):
        while frame is not None:
            for k, v in frame.f_locals.items():
                if isinstance(v, socket.socket):
                    return "frame %s() local %r: socket.socket" % (frame.f_code.co_name, k)
            frame = frame.f_back
        return None

    def tracer(frame, event, arg):
        if event == "line" and frame.f_code.co_filename == path:
            ev = len(rec["offsets"])
            rec["offsets"].append(pos())
            why = live_socket(frame)
            if why:
                rec["sockets"][ev] = why
            if rec["requested"] and rec["signal_event"] is None:
                if in_native(frame):
                    rec.setdefault("deferred_since", time.monotonic())
                    if timeout is not None and time.monotonic() - rec["deferred_since"] > timeout:
                        sys.stderr.write("suspendable: no safe point within %g s: native sorted() is in the "
                                         "way; the program continues\n" % timeout)
                        rec["requested"] = False
                else:
                    rec["signal_event"] = ev
        return tracer

    def on_signal(signum, frame):
        rec["requested"] = True

    for s in sigs:
        signal.signal(getattr(signal, s), on_signal)

    mod = types.ModuleType("suspendable")

    def checkpoint(p):
        n = len(rec["checkpoints"])
        rec["checkpoints"].append((os.path.abspath(p), len(rec["offsets"]), pos()))
        return true_checkpoint == n

    def suspend(p):
        rec["suspends"].append((os.path.abspath(p), len(rec["offsets"]), pos()))

    mod.checkpoint, mod.suspend = checkpoint, suspend
    sys.modules["suspendable"] = mod
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    saved = sys.modules["__main__"], sys.stdout, sys.argv
    sys.modules["__main__"], sys.stdout, sys.argv = main, out, [script] + list(args)
    sys.path[0] = os.path.dirname(path)
    rc = 0
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    sys.settrace(tracer)
    try:
        exec(code, main.__dict__)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        rc = 1
        sys.settrace(None)
        traceback.print_exc()
    finally:
        sys.settrace(None)
        out.flush()
        sys.modules["__main__"], sys.stdout, sys.argv = saved
    rec["out"], rec["rc"] = buf.getvalue(), rc
    return rec


def emit(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def proceed(snap, target, is_run):
    """Continue from (cur event, cur offset): print up to the next stop and save, or print the rest."""
    cur, off, sidx = snap["cur"], snap["off"], snap["sidx"]
    offsets = snap["offsets"]
    cands = []
    k_env = os.environ.get("SUSPENDABLE_TEST_SUSPEND_AT")
    if k_env and cur + int(k_env) - 1 < len(offsets):
        cands.append((cur + int(k_env) - 1, 1, "point"))
    if is_run and snap["signal_event"] is not None:
        cands.append((snap["signal_event"], 1, "point"))
    if sidx < len(snap["suspends"]):
        cands.append((snap["suspends"][sidx][1], 0, "api"))
    cands.sort()
    stop = None
    for ev, _, kind in cands:
        if kind == "point" and ev in snap["sockets"]:
            sys.stderr.write("suspendable: cannot suspend: %s; the program continues\n" % snap["sockets"][ev])
            continue
        stop = (ev, kind)
        break
    data_start = off
    if stop is None:
        data = snap["out"][data_start:]
        if BUG == "drop" and not is_run:
            data = data.split(b"\n", 1)[-1]
        emit(data)
        if is_run and os.environ.get("SUSPENDABLE_TEST_REPORT"):
            sys.stderr.write("[suspendable: not suspended, %d capturable events]\n" % len(offsets))
        return 0 if (BUG == "exit" and not is_run) else snap["rc"]
    ev, kind = stop
    if kind == "api":
        p, ev, new_off = snap["suspends"][sidx]
        target, sidx = p, sidx + 1
    else:
        new_off = offsets[ev]
    data = snap["out"][data_start:new_off]
    if BUG == "drop" and not is_run:
        data = data.split(b"\n", 1)[-1]
    emit(data)
    new = dict(snap, cur=ev, off=new_off, sidx=sidx)
    tmp = target + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(new, f)
    os.replace(tmp, target)
    sys.stderr.write("suspended at %s:event %d in <fake>\n" % (os.path.basename(snap["script"]), ev))
    return 75


def cmd_run(argv):
    opts, rest = parse(argv)
    script, args = rest[0], rest[1:]
    rec = execute(script, args, opts["signals"] or ["SIGUSR1", "SIGTERM"], timeout=opts.get("timeout"))
    snap = dict(rec, script=os.path.abspath(script), args=args, cur=0, off=0, sidx=0)
    path = opts["snapshot"] or os.path.splitext(os.path.basename(script))[0] + ".snap"
    for i, (p, ev, off) in enumerate(rec["checkpoints"]):
        with open(p, "wb") as f:
            pickle.dump({"checkpoint": i, "script": snap["script"], "args": args}, f)
    return proceed(snap, path, True)


def cmd_resume(argv):
    opts, rest = parse(argv)
    src = rest[0]
    with open(src, "rb") as f:
        snap = pickle.load(f)
    if "checkpoint" in snap:
        rec = execute(snap["script"], snap["args"], true_checkpoint=snap["checkpoint"])
        emit(rec["out"][rec["checkpoints"][snap["checkpoint"]][2]:])
        return rec["rc"]
    if BUG == "dup":
        emit(snap["out"][:snap["off"]].rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n")
    return proceed(snap, opts["snapshot"] or src, False)


def cmd_inspect(argv):
    opts, rest = parse(argv)
    with open(rest[0], "rb") as f:
        snap = pickle.load(f)
    info = {"script": snap["script"], "frames": [{"file": snap["script"], "line": 0, "function": "<fake>"}]}
    print(json.dumps(info) if opts["json"] else "fake snapshot of %s" % info["script"])
    return 0


def main():
    for s in ("SIGUSR1", "SIGUSR2", "SIGTERM"):  # the real CLI handles them early; execute() re-installs
        signal.signal(getattr(signal, s), signal.SIG_IGN)
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "resume", "inspect"):
        sys.stderr.write("usage: fake_suspendable.py run|resume|inspect ...\n")
        os._exit(2)
    rc = {"run": cmd_run, "resume": cmd_resume, "inspect": cmd_inspect}[sys.argv[1]](sys.argv[2:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
