"""Suspending a running cell and resuming it, in this kernel or after a restart.

A `%suspend` cell queued while another cell runs is seen by the I/O thread, which arms the engine at
once. At the running cell's next safe point, `_on_safe_point` captures its frames, writes the session
(namespace + frames) to the store, and only then takes the frames off the stack without running any of
their handlers (`_suspendable_kernel.unwind`). The captured frames stay alive in this process, so
`%resume` here continues with the live objects; after a restart it continues from the file.
"""
import contextlib
import datetime
import json
import os
import re
import shlex
import sys
import time

import _suspendable_engine as _engine
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
import _suspendable_kernel as _kernel
from suspendable import _snapfile, graph, session, state, store

from . import progress

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_RUN_LINE_MAGIC = InteractiveShell.run_line_magic.__code__
SNAPSHOT_KIND_CELL = "cell"
SNAPSHOT_KIND_NAMESPACE = "namespace"
DEFAULT_TIMEOUT = 10.0


class SuspendError(UsageError):
    """A suspend or resume that could not be done; IPython shows the message without a traceback."""


class _Suspended:
    """A cell taken off the stack in this process: its live frames wait for %resume."""

    def __init__(self, captured, name, path, where, count):
        self.captured = captured
        self.name = name
        self.path = path
        self.where = where
        self.count = count
        self.figures = _take_figures()


def _take_figures():
    """matplotlib's inline backend shows and closes, when a cell ends, the figures drawn during it. A
    suspended cell has not ended: its figures wait for the %resume cell, which goes on drawing them
    (the cells in between must not show them)."""
    show = getattr(sys.modules.get("matplotlib_inline.backend_inline"), "show", None)
    if show is None or not getattr(show, "_draw_called", False):
        return None
    pending = list(getattr(show, "_to_draw", []))
    show._draw_called, show._to_draw = False, []
    return pending


def _give_back_figures(pending):
    show = getattr(sys.modules.get("matplotlib_inline.backend_inline"), "show", None)
    if pending is not None and show is not None:
        show._draw_called = True
        show._to_draw = list(getattr(show, "_to_draw", [])) + [f for f in pending if f not in show._to_draw]


class _State:
    shell = None
    kernel_id = ""
    base_code = None       # code of the cell being executed (or resumed)
    running = False        # a cell (or resumed chain) is executing: requests suspend it
    cell_count = None
    suspended = None       # _Suspended, or None
    outcome = None         # result of the last request, reported by the next %suspend cell
    greeting = None        # restore message for the first execution
    last_checkpoint = None  # (name, cell count) of the newest checkpoint this kernel wrote
    resumed = {}           # path -> (file mtime, when): sessions this kernel already continued from a file
    waiting = None         # the suspended cell the previous kernel of this id left (a bare %resume's)


_state = _State()


# ---------------------------------------------------------------- naming and options
def _kernel_id():
    argv = sys.argv
    for i, a in enumerate(argv):
        if a in ("-f", "--connection-file") and i + 1 < len(argv):
            base = os.path.basename(argv[i + 1])
            return base[len("kernel-"):-len(".json")] if base.startswith("kernel-") else base
    return f"pid{os.getpid()}"


def _default_name():
    """session-DATE-TIME-KERNEL: two kernels preempted in the same second (SIGUSR1 to a whole
    cluster) must not overwrite each other's session, nor two saves of one kernel in one second."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    kernel = re.sub(r"[^0-9A-Za-z]", "", _state.kernel_id or "")[:6] or f"{os.getpid()}"
    base = name = f"session-{stamp}-{kernel}"
    n = 1
    while os.path.exists(store.path_for(name)):
        n += 1
        name = f"{base}-{n}"
    return name


def parse_options(line):
    """%suspend [NAME] [--timeout S] [--skip-unsaveable] [--bundle-modules]"""
    opts = {"name": None, "timeout": DEFAULT_TIMEOUT, "skip_unsaveable": False, "bundle_modules": False}
    words = shlex.split(line)
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("--skip-unsaveable", "--bundle-modules"):
            opts[w[2:].replace("-", "_")] = True
        elif w == "--timeout":
            if i + 1 >= len(words):
                raise SuspendError("--timeout needs a number of seconds")
            try:
                opts["timeout"] = float(words[i + 1])
            except ValueError:
                raise SuspendError(f"--timeout: not a number of seconds: {words[i + 1]!r}") from None
            i += 1
        elif w.startswith("-"):
            raise SuspendError(f"unknown option {w}")
        elif opts["name"] is None:
            opts["name"] = _valid_name(w)
        else:
            raise SuspendError(f"unexpected argument {w!r}")
        i += 1
    return opts


def _magic_line(code):
    line = code.strip().splitlines()[0] if code.strip() else ""
    return line[len("%suspend"):].strip() if line.startswith("%suspend") else ""


# ---------------------------------------------------------------- what goes into a snapshot
def _saved_globals(ns):
    """The namespace minus IPython's own entries (In, Out, _, get_ipython...), recreated by any shell."""
    hidden = _state.shell.user_ns_hidden
    out = {}
    for k, v in ns.items():
        if k == "__builtins__" or (k in hidden and hidden[k] is v):
            continue
        if k.startswith("_i") and k[2:].isdigit() or (k.startswith("_") and k[1:].isdigit()):
            continue  # _i3, _3: input/output history, kept by IPython's history database
        out[k] = v
    return out


def _location(frames):
    code, lasti = frames[-1][1], frames[-1][2]
    return {"file": code.co_filename, "line": session._line_of(code, lasti), "function": code.co_qualname,
            "cell": _state.cell_count}


def _manifest(kind, ns, frames, location, name):
    return {
        "kind": kind,
        "engine": session._engine_version(),
        "python": session.python_identity(),
        "kernel": _state.kernel_id,
        "name": name,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "location": location,
        "frames": session._manifest_frames(frames) if frames else [],
        "globals": [session._variable(k, v) for k, v in _saved_globals(ns).items()
                    if not (k.startswith("__") and k.endswith("__"))],
    }


def _serialize(kind, name, frames, exc, send=None, skip_unsaveable=False, bundle_modules=False):
    """(manifest, pickle, buffers) of the namespace (+ frames). Raises SuspendError naming every object
    that cannot be saved; with skip_unsaveable each of them is saved as a placeholder and listed in the
    manifest instead (what an automatic save at shutdown does: never lose the rest)."""
    ns = _state.shell.user_ns
    try:
        dumped = state.dump(ns, _saved_globals(ns), frames, exc, send, skip_unsaveable=skip_unsaveable,
                            bundle_modules=bundle_modules)
    except graph.UnpicklableError as e:
        report = "; ".join(graph.problem_text(path, type_name, why, sep=" -> ") for path, type_name, why in e.problems)
        raise SuspendError(f"cannot save {report} (or suspend with --skip-unsaveable)") from None
    location = _location(frames) if frames else None
    manifest = _manifest(kind, ns, frames, location, name)
    manifest.update(dumped.manifest)
    if _state.suspended is not None and not frames:
        manifest["suspended_session"] = _state.suspended.name
    return manifest, dumped.data, dumped.buffers


def skipped_note(manifest):
    """What a save left out (placeholders), for the user; empty if nothing."""
    skipped = manifest.get("skipped") or []
    if not skipped:
        return ""
    return ("[suspendable] Saved as placeholders (they cannot be saved; using them after a restore raises "
            "UnsavedObjectError): " + "; ".join(f"{s['path']} -> {s['type']}" for s in skipped) + "\n")


def _write(kind, name, frames, exc, send=None, options=None):
    """Writes the session `name`; returns (path, size, manifest). `send`: the value the innermost
    frame receives when it is resumed (a checkpoint's call returns True). `options`: parse_options'."""
    options = options or {}
    with progress.Progress(f"saving session '{name}'") as shown:
        shown.phase("collecting the objects")
        manifest, data, buffers = _serialize(kind, name, frames, exc, send,
                                             skip_unsaveable=options.get("skip_unsaveable", False),
                                             bundle_modules=options.get("bundle_modules", False))
        shown.phase("writing", memoryview(data).nbytes + sum(memoryview(b).nbytes for b in buffers))
        try:
            path = store.save(name, manifest, data, buffers)
        except Exception as e:  # noqa: BLE001 - disk full, permissions
            raise SuspendError(f"cannot write the session: {type(e).__name__}: {e}") from None
    return path, os.path.getsize(path), manifest


# ---------------------------------------------------------------- the running cell
def _configure(timeout):
    _engine.configure(base_code=_state.base_code, callback=_on_safe_point, timeout=timeout,
                      private_prefix=_PACKAGE_DIR, on_abandon=_on_abandon)


def prepare(code, count):
    """Before a cell runs: a request from now on suspends this cell."""
    _state.base_code = code
    _state.cell_count = count
    _state.running = True
    _configure(DEFAULT_TIMEOUT)
    autocheckpoint.cell_started()
    # The I/O thread counts a cell as running from its execute_request on: a request that arrived
    # between then and here found no running cell in _arm_requested (its pending call ran in the
    # kernel's own code first) and waits; it is for this cell.
    _arm_requested()


def trim_traceback(exc):
    """A cell continued by %resume that raises: between the executing frame (the first entry, which the
    display skips) and the resumed cell's frames, its traceback runs through %resume's own frames (the
    %resume line, IPython's run_line_magic, this module); those are dropped. Others stay as they are."""
    first = exc.__traceback__
    tb = first.tb_next if first is not None else None
    while tb is not None and tb.tb_frame.f_code is not _state.base_code:
        tb = tb.tb_next
    if tb is not None and tb is not first.tb_next:
        first.tb_next = tb


def finish():
    """After the cell: a request that found no safe point before the cell ended is served as a
    suspend while idle (the namespace is saved) - except %suspend, whose own cell does that."""
    _state.running = False
    _engine.disarm()
    raw = _kernel.take_suspend_request()
    if raw:
        request = json.loads(raw)
        # magic: its own cell saves; shutdown: the exit autosave follows; a checkpoint needs a cell.
        if request.get("origin") not in ("magic", "shutdown", autocheckpoint.ORIGIN):
            suspend_idle(request)


def _arm_requested():
    """Pending call from the I/O thread's request, on the main thread while a cell runs."""
    raw = _kernel.take_suspend_request(True)
    if not _state.running or not raw:
        return  # the cell has not started (prepare() arms then) or ended (finish() answers)
    request = json.loads(raw)
    try:
        timeout = float(request.get("timeout") or parse_options(_magic_line(request.get("code", "")))["timeout"])
    except Exception:  # noqa: BLE001 - a bad option is reported by the %suspend cell itself
        timeout = DEFAULT_TIMEOUT
    _configure(timeout)
    _engine.arm()


def _reply(request, result):
    """Answers a control-channel suspend_request (other origins report through cells)."""
    if request.get("origin") == "control":
        _kernel.suspend_done(json.dumps(request), json.dumps(result, default=str))


def _failure(request, why):
    _state.outcome = {"ok": False, "why": why}
    _reply(request, {"status": "error", "ename": "SuspendError", "evalue": why, "traceback": [why]})
    if request.get("origin") != "magic":
        print(f"\n[suspendable] suspend refused, the cell keeps running: {why}", file=sys.stderr, flush=True)


def autosave_enabled():
    """Opt-out: SUSPENDABLE_AUTOSAVE=0 (set in kernel.json's env, or the environment)."""
    return os.environ.get("SUSPENDABLE_AUTOSAVE", "1").strip().lower() not in ("0", "false", "no", "off")


def autosave_at_exit():
    """Shutdown, restart, SIGTERM/SIGHUP (main thread, idle): the namespace is saved as this kernel's
    automatic session, which a kernel restarted with the same id restores by itself.

    A forked child writes it, so the kernel exits at once whatever the session's size (Jupyter kills a
    kernel that has not exited 5 s after its shutdown_reply, and a GB takes seconds to write). The child
    holds this kernel id's save lock, taken here before the fork; a restarted kernel waits for it."""
    if not autosave_enabled() or _state.shell is None:
        return
    lock = store.lock_autosave(_state.kernel_id)
    try:
        pid = os.fork()
    except OSError:
        pid = None  # no memory for a child: save here, as long as it takes
    if pid:
        os.close(lock)  # the child's copy keeps the lock until its save is on disk
        return
    status = 1
    try:
        if pid == 0:
            _detach_from_kernel(lock)
        # A suspended cell's frames go in the same object graph as the namespace: the restarted kernel
        # holds them as this one does, and %resume continues them with its namespace as it is then
        # (with the user's changes), not with the namespace of the cell's own session file.
        live = _state.suspended
        frames, exc = live.captured if live is not None and live.captured is not None else (None, None)
        if frames is not None and _holds_unwound_generator(frames):
            frames, exc = None, None  # only this process can revive it: the cell's file resumes it
        manifest, data, buffers = _serialize(SNAPSHOT_KIND_NAMESPACE, "autosave", frames, exc, skip_unsaveable=True)
        manifest["auto"] = True
        if live is not None:
            manifest["suspended_session"] = live.name
            manifest["suspended_cell"] = live.count
            manifest["location"] = live.where
        store.autosave(_state.kernel_id, manifest, data, buffers)
        status = 0
    except BaseException as e:  # noqa: BLE001 - the next kernel of this id reports it
        store.autosave_failed(lock, f"{type(e).__name__}: {e}")
        if pid is None:
            raise
    finally:
        if pid == 0:
            os._exit(status)
        os.close(lock)


def _holds_unwound_generator(frames):
    """True if a link of the live capture holds a generator the unwind through C layers finished: the
    resume in this process revives it (frame_restore.cpp), a pickle would save it as finished."""
    import inspect
    for frame in frames:
        link = frame[7]
        for item in link or ():
            if inspect.isgenerator(item) and inspect.getgeneratorstate(item) == inspect.GEN_CLOSED:
                return True
    return False


def _detach_from_kernel(keep_fd):
    """In the child that writes the automatic save: leave the kernel's session (a closed terminal must
    not stop the save) and close its sockets, so that a restarted kernel can bind the same ports."""
    import signal
    import stat
    os.setsid()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # A lock some other kernel thread held at the fork stays held here forever: never wait for it.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(600)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd != keep_fd and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the kernel's output pipes: nobody reads them any more
    os.dup2(null, 2)
    os.close(null)


def _running_location():
    """Where the main thread is in the running cell (called from another thread): the innermost frame
    of cell code, as _location describes it."""
    import threading
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None and not frame.f_code.co_filename.startswith("<cell-"):
        frame = frame.f_back
    if frame is None:
        return None
    return {"file": frame.f_code.co_filename, "line": frame.f_lineno, "function": frame.f_code.co_qualname,
            "cell": _state.cell_count}


def autosave_interrupted():
    """Shutdown while the running cell never reached a safe point: called on a thread of its own while
    the main thread is still in the cell. The namespace as it is now is saved with a mark that the cell
    was interrupted (and which checkpoint of it exists). A long switch interval keeps the GIL here while
    the objects are pickled, so the cell does not change them meanwhile."""
    if not autosave_enabled() or _state.shell is None:
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        manifest, data, buffers = _serialize(SNAPSHOT_KIND_NAMESPACE, "autosave", None, None, skip_unsaveable=True)
    finally:
        sys.setswitchinterval(previous)
    manifest["interrupted"] = {"location": _running_location(), "cell": _state.cell_count}
    checkpoint = _state.last_checkpoint
    if checkpoint is not None and checkpoint[1] == _state.cell_count:
        manifest["interrupted"]["checkpoint"] = checkpoint[0]
    store.autosave(_state.kernel_id, manifest, data, buffers)


def _interrupted_note(manifest):
    mark = manifest.get("interrupted")
    if not mark:
        return ""
    where = _describe(mark.get("location"), mark.get("cell"))
    text = (f"[suspendable] The kernel was shut down while {where} was running and it could not be suspended in "
            f"time: the variables are restored as they were at that moment, the cell did not finish.\n")
    if mark.get("checkpoint"):
        text += f"[suspendable] Its last checkpoint can continue it: %resume {mark['checkpoint']}\n"
    return text


def restore_at_start():
    """A kernel started for an id that has an automatic session restores its namespace; the message is
    shown at the first execution."""
    if not autosave_enabled():
        return
    try:
        # Under Jupyter's 60 s start-up timeout; a 10 GB session takes ~25 s to write here.
        failure = store.wait_for_autosave(_state.kernel_id, timeout=45)
    except OSError as e:
        failure = str(e)
    note = f"[suspendable] The session was not saved at the last shutdown: {failure}\n" if failure else ""
    _state.greeting = note or None
    try:
        candidates = [s for s in store.list_sessions()
                      if s.error is None and s.kernel == _state.kernel_id and s.auto]
    except Exception:  # noqa: BLE001 - an unreadable store must not stop the kernel
        return
    if not candidates:
        return
    latest = candidates[-1]
    try:
        manifest, payload = _load(latest.path, show_progress=False)
    except Exception as e:  # noqa: BLE001 - the kernel starts anyway; the user is told why
        _state.greeting = note + (f"[suspendable] The previous session of this kernel ({latest.name}) could not "
                                  f"be restored: {e}\n")
        return
    names = sorted(k for k in payload["globals"] if not k.startswith("_"))
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    text = note + f"[suspendable] Restored {len(names)} variables from this kernel's previous session: {shown}\n"
    text += _interrupted_note(manifest) + skipped_note(manifest)
    text += "".join(f"[suspendable] warning: {w}\n" for w in payload["warnings"])
    if manifest.get("suspended_session"):
        text += (f"[suspendable] A suspended cell is waiting: %resume {manifest['suspended_session']}\n")
        name = manifest["suspended_session"]
        _state.waiting = name  # what a bare %resume continues
        if payload.get("frames"):
            _state.suspended = _Suspended((payload["frames"], payload["exc"]), name, store.path_for(name),
                                          manifest.get("location"), manifest.get("suspended_cell"))
    _state.greeting = text


def greeting():
    """The restore message, once (printed by the first execution)."""
    text, _state.greeting = _state.greeting, None
    return text


def _request_options(request):
    """parse_options' dict for a request: a %suspend line's options, or a control request's fields."""
    if request.get("origin") == "magic":
        return parse_options(_magic_line(request.get("code", "")))
    name = request.get("name")
    return {"name": store.validate_name(name) if name else None,
            "skip_unsaveable": bool(request.get("skip_unsaveable")),
            "bundle_modules": bool(request.get("bundle_modules"))}


def suspend_idle(request):
    """A request while no cell runs: the namespace is saved."""
    started = time.monotonic()
    try:
        options = _request_options(request)
        name = options["name"] or _default_name()
        path, size, manifest = _write(SNAPSHOT_KIND_NAMESPACE, name, None, None, options=options)
    except Exception as e:  # noqa: BLE001 - the reply says why
        _failure(request, str(e))
        return
    _reply(request, {"status": "ok", "name": name, "path": path, "size": size, "location": None,
                     "cell_suspended": False, "seconds": time.monotonic() - started,
                     "skipped": manifest.get("skipped", [])})


def frame_place(where):
    """'train() at line 36 of cell [1]' - where a frame stopped, in the user's terms."""
    from .execution import cell_number  # execution imports this module
    number = cell_number(where.get("file", ""))
    place = f"line {where['line']} of cell [{number}]" if number is not None else f"{where['file']}:{where['line']}"
    function = where.get("function") or "<module>"
    return place if function == "<module>" else f"{function}() at {place}"


def _describe(where, count):
    """The running cell (by its execution count) and where inside it stopped."""
    cell = f"cell [{count}]" if count is not None else "the cell"
    if not where:
        return cell
    place = frame_place(where)
    if place == f"line {where['line']} of {cell}":
        return f"{cell}, line {where['line']}"  # the cell's own code, not a function it calls
    return f"{cell} in {place}"


def _on_safe_point(frame):
    raw = _kernel.take_suspend_request()
    if not raw:
        return True  # armed by a request that finish() already answered: nothing to do
    request = json.loads(raw)
    if request.get("origin") == autocheckpoint.ORIGIN:
        return autocheckpoint.save(frame)
    started = time.monotonic()
    try:
        options = _request_options(request)
        name = options["name"] or _default_name()
    except Exception as e:  # noqa: BLE001
        _failure(request, str(e))
        return True
    if request.get("origin") == "shutdown":
        # Not an "auto-" name: pruning of automatic saves must never delete a suspended cell.
        name = f"shutdown-{_default_name()[8:]}"
    try:
        captured = _engine.capture(frame, _state.base_code, 0)
    except RuntimeError as e:
        _failure(request, str(e))
        return True
    frames, exc = captured
    try:
        path, size, manifest = _write(SNAPSHOT_KIND_CELL, name, frames, exc, options=options)
    except SuspendError as e:
        _failure(request, str(e))
        return True
    where = _location(frames)
    seconds = time.monotonic() - started
    _state.suspended = _Suspended(captured, name, path, where, _state.cell_count)
    _state.outcome = {"ok": True, "name": name, "path": path, "size": size, "where": where, "seconds": seconds,
                      "count": _state.cell_count, "note": skipped_note(manifest)}
    _reply(request, {"status": "ok", "name": name, "path": path, "size": size, "location": where,
                     "cell_suspended": True, "seconds": seconds, "skipped": manifest.get("skipped", [])})
    sys.stdout.flush()
    sys.stderr.flush()
    _kernel.unwind(frame, _state.base_code)  # through C layers it raises: the error must reach the frame
    return True


def _on_abandon(reason):
    raw = _kernel.take_suspend_request()
    request = json.loads(raw) if raw else {"origin": "unknown"}
    if request.get("origin") == autocheckpoint.ORIGIN:
        print(f"\n[suspendable] automatic checkpoint skipped, no safe point within the timeout: {reason}",
              file=sys.stderr, flush=True)
        return
    _failure(request, f"no safe point within the timeout: {reason}")


def announce_suspended():
    """Printed in the suspended cell's output area."""
    s = _state.suspended
    print(f"\n[suspendable] suspended at {_describe(s.where, s.count)}; saved as session '{s.name}'. "
          f"Continue with: %resume {s.name}", file=sys.stderr, flush=True)
    return {"name": s.name, "path": s.path, "location": s.where}


# ---------------------------------------------------------------- magics
def suspend_magic(line):
    """%suspend [NAME] [--timeout S] [--skip-unsaveable] [--bundle-modules]

    Run while another cell is running: that cell stops at its next safe point, the whole session
    (namespace and the running call stack) is saved as NAME, and this cell reports where it stopped.
    Run while idle: saves the namespace as NAME. Continue with %resume NAME.

    --timeout S          how long the running cell may take to reach a safe point (default 10)
    --skip-unsaveable    save objects that cannot be saved (sockets, locks...) as placeholders that
                         raise UnsavedObjectError when used after a restore, instead of refusing
    --bundle-modules     carry the source of modules imported from local .py files in the snapshot"""
    opts = parse_options(line)
    outcome, _state.outcome = _state.outcome, None
    if outcome is not None:
        if not outcome["ok"]:
            raise SuspendError(f"the running cell was not suspended (it keeps running): {outcome['why']}")
        print(f"Suspended {_describe(outcome['where'], outcome['count'])}.\n"
              f"Session '{outcome['name']}': {session._human(outcome['size'])} in {outcome['seconds'] * 1000:.0f} ms "
              f"({outcome['path']}).\nContinue with: %resume {outcome['name']}\n{outcome['note']}", end="")
        return
    name = opts["name"] or _default_name()
    started = time.monotonic()
    path, size, manifest = _write(SNAPSHOT_KIND_NAMESPACE, name, None, None, options=opts)
    print(f"Saved the namespace as session '{name}': {session._human(size)} in "
          f"{(time.monotonic() - started) * 1000:.0f} ms ({path}).\nRestore it with: %resume {name}\n"
          f"{skipped_note(manifest)}", end="")


def _pick(name):
    if name:
        try:
            path = store.resolve(name)
        except Exception as e:  # noqa: BLE001
            raise SuspendError(str(e)) from None
        if not os.path.exists(path):
            raise SuspendError(f"no session named {name!r} (see %sessions)")
        return path
    if _state.waiting is not None and os.path.exists(store.path_for(_state.waiting)):
        return store.path_for(_state.waiting)  # announced at the restart, not the namespace's own save
    # This kernel's newest session; else, in a kernel that holds nothing of its own yet (a new
    # kernel on another machine), the newest one of any notebook (not a script's or a REPL's). It is
    # never loaded over variables the user made here: they would be silently replaced.
    kinds = (SNAPSHOT_KIND_CELL, SNAPSHOT_KIND_NAMESPACE)
    chosen = store.latest(kernel=_state.kernel_id, kinds=kinds)
    if chosen is not None:
        return chosen.path
    other = store.latest(kinds=kinds)
    if other is None:
        raise SuspendError("there is no saved session to resume (see %sessions)")
    shell = _state.shell
    own = [k for k in shell.user_ns if not k.startswith("_") and k not in shell.user_ns_hidden]
    if own:
        raise SuspendError(f"this kernel saved no session; the newest one, {other.name!r}, is another "
                           f"kernel's: `%resume {other.name}` loads it over your variables "
                           f"({', '.join(sorted(own)[:5])}{', ...' if len(own) > 5 else ''})")
    return other.path


def _load(path, show_progress=True):
    """Restores the session in `path` into the namespace; returns (manifest, payload) with the
    payload's ``warnings`` (a changed module version, a vanished file...) for the user. Progress is
    shown in the executing cell (not at start-up, where there is none)."""
    try:
        manifest = _snapfile.read_manifest(path)
        session.check_compatible(manifest)
        with progress.Progress(f"restoring session '{manifest.get('name', path)}'") if show_progress \
                else contextlib.nullcontext(progress.Silent()) as shown:
            shown.phase("verifying the file")
            manifest, data, buffers = _snapfile.read(path)
            shown.phase("rebuilding the objects")
            payload = state.load(manifest, data, buffers, _state.shell.user_ns)
    except Exception as e:  # noqa: BLE001 - unreadable, tampered, other Python: say why, stay alive
        raise SuspendError(f"cannot resume {path}: {e}") from None
    from .execution import register_restored_cells  # execution imports this module
    register_restored_cells(payload.get("linecache") or {}, _state.shell)
    _state.shell.user_ns.update(payload["globals"])
    payload["warnings"] += state.run_resume_hooks(payload)
    return manifest, payload


def resume_magic(line):
    """%resume [NAME]

    Continues the suspended cell NAME (default: the cell left waiting by a restart, else the latest
    session of this kernel, else - in a kernel without variables of its own - the latest one): its output
    appears here, its last value is displayed here. After a restart the cell goes on with the namespace
    as it is then; a session from a file brings its own variables back first."""
    words = shlex.split(line)
    if len(words) > 1:
        raise SuspendError("usage: %resume [NAME]")
    name = words[0] if words else None
    live = _state.suspended
    if live is not None and (name is None or name == live.name):
        _state.suspended = None
        if live.name == _state.waiting:
            _state.waiting = None
        if live.path and os.path.exists(live.path):
            _state.resumed[live.path] = (_mtime(live.path), time.strftime("%H:%M:%S"))
        _give_back_figures(live.figures)
        frames, exc = live.captured
        live.captured = None
        return _continue(frames, exc, live.count)
    path = _pick(name)
    _warn_if_resumed_before(path)
    manifest, payload = _load(path)
    for warning in payload["warnings"]:
        print(f"[suspendable] warning: {warning}", file=sys.stderr)
    sys.stderr.write(skipped_note(manifest))
    if manifest.get("kind") == SNAPSHOT_KIND_NAMESPACE or not payload["frames"]:
        print(f"Restored {len(payload['globals'])} variables from session {manifest.get('name', path)!r}.")
        return None
    frames, exc, send = payload["frames"], payload["exc"], payload.get("send")
    payload.clear()
    _state.resumed[path] = (_mtime(path), time.strftime("%H:%M:%S"))
    if _state.waiting is not None and path == store.path_for(_state.waiting):
        _state.waiting = None
    if _state.suspended is not None and _state.suspended.path == path:
        _state.suspended = None
    return _continue(frames, exc, (manifest.get("location") or {}).get("cell"), send)


def _mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _warn_if_resumed_before(path):
    # "Run All" over a notebook with a %resume cell continues the same saved point again: what ran
    # after it (appends, prints, files written) happens twice. Allowed - a checkpoint is a restart
    # point - but said.
    before = _state.resumed.get(path)
    if before is not None and before[0] == _mtime(path):
        print(f"[suspendable] note: this kernel already continued {os.path.basename(path)} at {before[1]}; "
              f"it runs again from the saved point", file=sys.stderr, flush=True)


def _continue(frames, exc, count, send=None):
    """Runs a captured chain to completion (or its next suspension) inside the current cell."""
    prepare(frames[0][1], count)
    box = [frames, exc] if send is None else [frames, exc, send]
    del frames, exc
    result = _kernel.resume_cell(*box)
    box.clear()
    if result is _kernel.SUSPENDED:
        announce_suspended()
    return None


def checkpoint_magic(line):
    """%checkpoint [NAME]

    A line inside a cell: saves the session at this point - namespace and the running call stack - and
    the cell continues. `%resume NAME` later (after a restart, or elsewhere) continues from right after
    this line; there the magic's value is True."""
    words = shlex.split(line)
    if len(words) > 1:
        raise SuspendError("usage: %checkpoint [NAME]")
    name = _valid_name(words[0]) if words else f"checkpoint-{_default_name()[8:]}"
    if not _state.running:
        raise SuspendError("%checkpoint saves a running cell at that line: use it inside a cell with other "
                           "code (to save the namespace alone, use %suspend NAME)")
    started = time.monotonic()
    # The frame to save is the one that called IPython's run_line_magic (the user's line); count the
    # frames between it and this one for capture_caller.
    frame, up = sys._getframe(), 0
    while frame is not None and frame.f_code is not _RUN_LINE_MAGIC:
        frame, up = frame.f_back, up + 1
    if frame is None or frame.f_back is None:
        raise SuspendError("%checkpoint must be run as a line of a cell")
    try:
        captured = _engine.capture_caller(_state.base_code, up + 1)
    except RuntimeError as e:
        raise SuspendError(f"cannot checkpoint here: {e}") from None
    frames, exc = captured
    path, size, manifest = _write(SNAPSHOT_KIND_CELL, name, frames, exc, send=True)
    _state.last_checkpoint = (name, _state.cell_count)
    where = _location(frames)
    print(f"[suspendable] checkpoint '{name}' saved at {_describe(where, _state.cell_count)}: "
          f"{session._human(size)} in {(time.monotonic() - started) * 1000:.0f} ms\n{skipped_note(manifest)}",
          file=sys.stderr, end="", flush=True)
    return None


def _valid_name(name):
    try:
        return store.validate_name(name)
    except ValueError as e:
        raise SuspendError(str(e)) from None


def sessions_magic(line):
    """%sessions: saved sessions with their time, size and where they stopped."""
    if line.strip():
        raise SuspendError("usage: %sessions (it takes no arguments; `suspendable sessions show NAME` "
                           "in a terminal shows one)")
    rows = store.list_sessions()
    if not rows:
        print(f"No saved sessions in {store.sessions_dir()}.")
        return
    width = max([len(s.name) for s in rows] + [4])
    print(f"{'NAME':<{width}}  {'SAVED':<19}  {'SIZE':>9}  STOPPED AT")
    for s in rows:
        when = datetime.datetime.fromtimestamp(s.created).strftime("%Y-%m-%d %H:%M:%S")
        what = s.error or (frame_place(s.location) if isinstance(s.location, dict) and s.location.get("file")
                           else "namespace only")
        mine = " (this kernel)" if s.kernel == _state.kernel_id else ""
        print(f"{s.name:<{width}}  {when}  {session._human(s.size):>9}  {what}{mine}")


def install(shell):
    _state.shell = shell
    _state.kernel_id = _kernel_id()
    # A cell run through a magic (%%time, %timeit, %run) has the shell and that magic's instance in
    # its frames: they are this kernel's, by reference, in any kernel that resumes it.
    graph.register_host_object("the IPython shell", shell)
    for name, magics in shell.magics_manager.registry.items():
        graph.register_host_object(f"IPython's {name}", magics)

    shell.register_magic_function(suspend_magic, "line", "suspend")
    shell.register_magic_function(resume_magic, "line", "resume")
    shell.register_magic_function(sessions_magic, "line", "sessions")
    shell.register_magic_function(checkpoint_magic, "line", "checkpoint")
    shell.register_magic_function(autocheckpoint.magic, "line", "autocheckpoint")


# At the end: autocheckpoint builds on this module's functions (a cycle that is safe once they exist).
from . import autocheckpoint  # noqa: E402
