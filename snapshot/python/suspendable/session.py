"""Whole-program sessions: run a script under the engine, suspend it at a safe point, resume it.

The CLI (`suspendable run | resume | inspect`) calls ``run_script``, ``resume_snapshot`` and
``inspect_snapshot``; programs call ``checkpoint`` and ``suspend``. The frame engine
(``_suspendable_engine``) captures and rebuilds frames; ``graph`` pickles the objects; ``_snapfile``
writes the file. A snapshot holds: a JSON manifest (readable without unpickling anything) and one
pickle of {frames, handled exception, globals of __main__, process state}.
"""

import _signal
import importlib.util
import os
import sys
import time

import _suspendable_engine as _engine

from . import _snapfile, state

graph = state.graph  # imported at its first use (`from . import graph` would import it now)

SUSPENDED_STATUS = 75
SNAPSHOT_KIND = "script"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


SnapshotMismatch = state.SnapshotMismatch


class _Program:
    """The program running under the engine in this process."""

    def __init__(self, ns, base_code, snapshot_path, script, signals, timeout, skip_unsaveable=False,
                 bundle_modules=False):
        self.ns = ns
        self.skip_unsaveable = skip_unsaveable
        self.bundle_modules = bundle_modules
        self.base_code = base_code
        self.snapshot_path = snapshot_path
        self.script = script
        self.signals = signals
        self.timeout = timeout
        self.retry_until = None  # a refused request is tried again until then (see _on_safe_point)


_current = None


# ---------------------------------------------------------------- identity and compatibility
def python_identity():
    return {
        "implementation": sys.implementation.name,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "minor": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "magic": int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"),
    }


def check_compatible(manifest):
    """Refuses a snapshot of another CPython minor version or bytecode magic (before any unpickling)."""
    theirs = manifest.get("python") or {}
    mine = python_identity()
    if theirs.get("implementation", "cpython") != mine["implementation"] or \
            theirs.get("minor") != mine["minor"] or theirs.get("magic") != mine["magic"]:
        raise SnapshotMismatch(
            f"the snapshot was made by CPython {theirs.get('version', '?')} (bytecode magic "
            f"{theirs.get('magic', '?')}); this is CPython {mine['version']} (bytecode magic {mine['magic']})")


# ---------------------------------------------------------------- describing frames
def _line_of(code, lasti):
    offset = 2 * lasti
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line if line is not None else code.co_firstlineno
    return code.co_firstlineno


def where(frame_tuple):
    code, lasti = frame_tuple[1], frame_tuple[2]
    return f"{code.co_filename}:{_line_of(code, lasti)} in {state.function_label(code)}"


def _type_name(obj):
    t = type(obj)
    if t.__module__ in ("builtins", "__main__"):
        return t.__qualname__
    return f"{t.__module__}.{t.__qualname__}"


def _size(obj):
    """A cheap size for the manifest: an array's buffer (``nbytes``), a pandas object's shallow memory
    use, else sys.getsizeof. (pandas' own __sizeof__ counts every string of an object column: that
    alone cost a suspend of a notebook with a 500k-row frame 50-90 ms.)"""
    try:
        # Read through C descriptors only: a program's __getattr__, property or __sizeof__ must not run
        # (its side effects would be the snapshot's).
        nbytes = _c_attribute(obj, "nbytes")
        if isinstance(nbytes, int):
            return nbytes
        if type(obj).__module__.startswith("pandas.") and callable(getattr(obj, "memory_usage", None)):
            usage = obj.memory_usage(deep=False)
            return int(usage.sum()) if hasattr(usage, "sum") else int(usage)
        if _defined_in_python(type(obj), "__sizeof__"):
            return None
        return sys.getsizeof(obj)
    except Exception:  # noqa: BLE001 - a broken __sizeof__ must not stop a suspend
        return None


def _lookup(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _c_attribute(obj, name):
    d = _lookup(type(obj), name)
    if type(d).__name__ in ("getset_descriptor", "member_descriptor"):
        return d.__get__(obj, type(obj))
    return None


def _defined_in_python(cls, name):
    d = _lookup(cls, name)
    return hasattr(getattr(d, "__func__", d), "__code__")


def _variable(name, value):
    if type(value) is type(sys) or callable(value) and hasattr(value, "__code__") or isinstance(value, type):
        kind = "module" if type(value) is type(sys) else "function" if hasattr(value, "__code__") else "class"
    else:
        kind = "value"
    return {"name": name, "type": _type_name(value), "size": _size(value), "kind": kind}


def _manifest_frames(frames):
    import linecache  # here: start-up imports as little as it can (linecache pulls tokenize and re)
    out = []
    for func, code, lasti, localsplus, stack, f_locals, mode, link, *_ in frames:
        line = _line_of(code, lasti)
        variables = []
        for name, value in zip(graph.slot_names(code), localsplus):
            value = graph.cell_value(value)
            if value is not graph.NULL:
                variables.append(_variable(name, value))
        out.append({
            "file": code.co_filename,
            "line": line,
            "function": code.co_qualname if code.co_name != "<module>" else "<module>",
            "source": linecache.getline(code.co_filename, line).strip(),
            "locals": variables,
            "stack_depth": len(stack),
            "via": link[0] if link else None,
        })
    return out


def _manifest(frames, program, stopped, send):
    globals_ = [_variable(k, v) for k, v in program.ns.items()
                if not (k.startswith("__") and k.endswith("__"))]
    return {
        "kind": SNAPSHOT_KIND,
        "engine": _engine_version(),
        "python": python_identity(),
        "platform": __import__("platform").platform(),
        "created": _now_utc(),
        "script": program.script,
        "stopped_at": stopped,
        "resumes_with_value": send is not None,
        "frames": _manifest_frames(frames),
        "globals": globals_,
    }


def _now_utc():
    import datetime  # here: start-up imports as little as it can
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _engine_version():
    from . import __version__
    return __version__


# ---------------------------------------------------------------- writing a snapshot
def _other_threads():
    """Threads other than the main one: their frames cannot be captured, so a suspend is refused."""
    threading = sys.modules.get("threading")
    if threading is None:
        return []
    main = threading.main_thread()
    return [t.name for t in threading.enumerate() if t is not main and t.is_alive()]


class _Transient(str):
    """Why a save failed, when a later safe point may not have the cause (an object in a loop's
    scope, a thread about to end)."""


def save(captured, program, path, send=None):
    """Writes the snapshot of a captured chain to `path`. Returns (size, None) or (None, why)."""
    frames, exc = captured
    others = _other_threads()
    if others:
        return None, _Transient("other threads are running Python code (only the main thread can be saved): " +
                                ", ".join(repr(n) for n in others))
    stopped = {"file": frames[-1][1].co_filename, "line": _line_of(frames[-1][1], frames[-1][2]),
               "function": frames[-1][1].co_qualname, "where": where(frames[-1])}
    ns = program.ns
    globals_ = {k: v for k, v in ns.items() if k != "__builtins__"}
    try:
        dumped = state.dump(ns, globals_, frames, exc, send, skip_unsaveable=program.skip_unsaveable,
                            bundle_modules=program.bundle_modules)
    except graph.UnpicklableError as e:  # every object that cannot be saved, with its path
        debug = os.environ.get("SUSPENDABLE_DEBUG")
        listed = "; ".join(graph.problem_text(p, t, r, always=bool(debug)) for p, t, r in e.problems)
        if any("asyncio" in t or "selectors" in t for _, t, _ in e.problems):
            listed = "an asyncio event loop is running (it cannot be saved; suspend before or after it): " + listed
        return None, _Transient(listed)
    try:
        manifest = _manifest(frames, program, stopped, send)
        manifest.update(dumped.manifest)
        size = _snapfile.write(path, manifest, dumped.data, dumped.buffers)
    except Exception as e:  # noqa: BLE001 - disk full, permissions...: keep running
        return None, f"cannot write {path}: {type(e).__name__}: {e}"
    if dumped.skipped:
        print("suspendable: saved without (--skip-unsaveable; using them after the resume raises "
              "UnsavedObjectError): " + "; ".join(f"{p}: {t}" for p, t, _ in dumped.skipped), file=sys.stderr)
    return size, None


def _flush_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass


def _finish_suspend(captured, size, path):
    print(f"suspendable: suspended at {where(captured[0][-1])}; snapshot {path} ({size} bytes)",
          file=sys.stderr)
    _flush_streams()
    # No unwinding: no except/finally/__exit__ of the suspended frames may run, nothing is finalized.
    os._exit(SUSPENDED_STATUS)


def _report_failure(why):
    print(f"suspendable: cannot suspend, the program keeps running: {why}", file=sys.stderr)
    _flush_streams()


def _depth(frame, base_code):
    """Frames from `frame` down to the program's base frame (inclusive), as the engine counts them."""
    depth = 0
    while frame is not None:
        depth += 1
        if frame.f_code is base_code:
            break
        frame = frame.f_back
    return depth


def _on_safe_point(frame):
    """Tracer callback at a capturable line event: save and exit, or report and keep running.

    A request refused because of what the program holds right now (a socket of an inner call, a
    thread about to end) is reported at once and tried again until the request's timeout: as soon as
    a frame of the refused chain has returned, else every 5 times the cost of a try (the engine waits
    for either, told by the (depth, seconds) answer). A preempted job must not lose its run to an
    object that was only passing."""
    program = _current
    now = time.monotonic()
    try:
        captured = _engine.capture(frame, program.base_code, 0)
    except RuntimeError as e:
        _report_failure(str(e))
        program.retry_until = None
        return True
    size, why = save(captured, program, program.snapshot_path)
    if why is not None:
        del captured
        done = time.monotonic()
        first = program.retry_until is None
        if isinstance(why, _Transient) and program.timeout > 0 and (first or done < program.retry_until):
            if first:
                program.retry_until = now + program.timeout
                _report_failure(f"{why} (trying again at later lines for up to {program.timeout:g} s)")
            return _depth(frame, program.base_code), max(0.05, 5 * (done - now))
        if not first:
            print(f"suspendable: gave up suspending after {program.timeout:g} s, the program keeps running",
                  file=sys.stderr)
            _flush_streams()
        else:
            _report_failure(why)
        program.retry_until = None
        return True
    program.retry_until = None
    _finish_suspend(captured, size, program.snapshot_path)
    return True


def _on_abandon(reason):
    _current.retry_until = None
    print(f"suspendable: no safe point within {_current.timeout:g} s, the program keeps running: "
          f"{reason}", file=sys.stderr)
    _flush_streams()


# ---------------------------------------------------------------- public API for programs
def _save_here(api, path, up):
    """Captures the program at the caller of `api` and saves it (resuming returns True from that call).
    Returns (captured, size, path), or None after reporting why it could not be saved."""
    program = _current
    if program is None:
        raise RuntimeError(f"suspendable.{api}() needs the program to run under `suspendable run`")
    path = os.path.abspath(path) if path is not None else program.snapshot_path
    try:
        captured = _engine.capture_caller(program.base_code, up + 1)
    except RuntimeError as e:
        _report_failure(str(e))
        return None
    size, why = save(captured, program, path, send=True)
    if why is not None:
        _report_failure(why)
        return None
    return captured, size, path


def checkpoint(path=None, _up=1):
    """Saves the program here and continues. Returns False now; True when resumed from this snapshot.

    `_up`: Python frames between the caller to save and this function (suspendable.checkpoint adds one)."""
    _save_here("checkpoint", path, _up)
    return False


def suspend(path=None, _up=1):
    """Saves the program here and exits with status 75; a resume continues after this call (True)."""
    saved = _save_here("suspend", path, _up)
    if saved is None:
        return False
    _finish_suspend(*saved)
    return True  # not reached


# ---------------------------------------------------------------- running
def _fresh_main(script_path):
    """The __main__ namespace as `python3.11 script.py` sets it up."""
    main = sys.modules["__main__"]
    ns = main.__dict__
    builtins_module = ns.get("__builtins__")
    ns.clear()
    ns["__builtins__"] = builtins_module if builtins_module is not None else __builtins__
    ns["__name__"] = "__main__"
    ns["__doc__"] = None
    ns["__package__"] = None
    ns["__spec__"] = None
    ns["__annotations__"] = {}
    ns["__file__"] = script_path
    ns["__cached__"] = None
    ns["__loader__"] = importlib.machinery.SourceFileLoader("__main__", script_path)
    return ns


def _install(program, signals):
    global _current
    _current = program
    at = os.environ.get("SUSPENDABLE_TEST_SUSPEND_AT")
    report = os.environ.get("SUSPENDABLE_TEST_REPORT") == "1"
    skip = 0
    if at:
        skip = max(int(at), 1) - 1
    _engine.configure(base_code=program.base_code, callback=_on_safe_point, skip=skip,
                      count_only=bool(report and not at), timeout=0 if at or report else program.timeout,
                      private_prefix=_PACKAGE_DIR, on_abandon=_on_abandon)
    for sig in signals:
        _signal.signal(sig, _engine.request)
    # The command line blocks these signals until the handlers are in place (a request that arrives
    # during start-up waits instead of killing the process).
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, signals)
    if at or report:
        _engine.arm()


def _uninstall():
    _engine.disarm()
    _engine.configure()  # drop the references to the program's code and our callbacks


def _print_uncaught(exc, base_code):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not base_code:
        tb = tb.tb_next
    if tb is not None:
        exc.__traceback__ = tb  # the chained display reads it from the exception
    _flush_streams()
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xff if code >= 0 else code & 0xff
    print(code, file=sys.stderr)
    return 1


def _execute(body, program):
    try:
        body()
        status = 0
    except SystemExit as e:
        status = _exit_status(e)
    except BaseException as e:  # noqa: BLE001 - reported like the interpreter does
        _engine.disarm()
        _print_uncaught(e, program.base_code)
        status = -_signal.SIGINT if isinstance(e, KeyboardInterrupt) else 1
    capturable = _engine.counters()[0]
    # A request the program outran: it arrived during a native call that the program's last statement
    # made (the signal handler runs only once that call returns) and no line ran after it.
    outran = _engine.armed() and not os.environ.get("SUSPENDABLE_TEST_SUSPEND_AT") and \
        os.environ.get("SUSPENDABLE_TEST_REPORT") != "1"
    _uninstall()
    if outran:
        print(f"suspendable: the program ended before a safe point; nothing was saved (exit status "
              f"{status & 0xff if status >= 0 else 128 - status})", file=sys.stderr)
    if os.environ.get("SUSPENDABLE_TEST_REPORT") == "1":
        print(f"[suspendable: not suspended, {capturable} capturable events]", file=sys.stderr)
    return status


def run_script(script, snapshot_path, signals, timeout, options):
    """Runs `script` as __main__ (sys.argv is already set). Returns the exit status. `options`:
    skip_unsaveable, bundle_modules (see state.dump)."""
    path = os.path.abspath(script)
    try:
        with open(script, "rb") as f:
            source = f.read()
    except OSError as e:
        print(f"{sys.executable}: can't open file {path!r}: [Errno {e.errno}] {e.strerror}", file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(path))
    sys.orig_argv[:] = [sys.executable, script] + sys.argv[1:]  # as `python3.11 SCRIPT ARGS` shows it
    ns = _fresh_main(path)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        sys.excepthook(type(e), e, None)
        return 1
    program = _Program(ns, code, os.path.abspath(snapshot_path), path, signals, timeout, **options)
    _install(program, signals)
    # As under python3.11, __main__'s frame is the bottom of the stack (no launcher frames below it).
    return _execute(lambda: _engine.run_detached(code, ns), program)


def _about(path, error):
    """'PATH: message', without repeating PATH when the format's message already starts with it."""
    text = str(error)
    return text if text.startswith(str(path)) else f"{path}: {text}"


def _warn(messages):
    for message in messages:
        print(f"suspendable: warning: {message}", file=sys.stderr)


def resume_snapshot(path, snapshot_path, signals, timeout, options):
    """Continues the program saved in `path`. Returns the exit status."""
    # Relative to where `resume` was typed, not to the program's directory it returns to.
    snapshot_path = os.path.abspath(snapshot_path or path)
    try:
        manifest = _snapfile.read_manifest(path)
        if manifest.get("kind") != SNAPSHOT_KIND:
            raise SnapshotMismatch(f"{path} is not a script snapshot (kind {manifest.get('kind')!r})")
        check_compatible(manifest)
        manifest, data, buffers = _snapfile.read(path)
    except (OSError, _snapfile.SnapshotFileError, SnapshotMismatch) as e:
        print(f"suspendable resume: {_about(path, e)}", file=sys.stderr)
        return 2
    ns = _fresh_main(manifest["script"])
    try:
        payload = state.load(manifest, data, buffers, ns)
    except state.RestoreError as e:
        print(f"suspendable resume: {_about(path, e)}", file=sys.stderr)
        return 2
    del data, buffers
    _warn(payload["warnings"])
    ns.update(payload["globals"])
    _warn(state.run_resume_hooks(payload))
    frames, exc, send = payload["frames"], payload["exc"], payload["send"]
    payload.clear()
    base_code = frames[0][1]
    program = _Program(ns, base_code, snapshot_path, manifest["script"], signals, timeout,
                       **options)
    _install(program, signals)
    box = [frames, exc, send]
    del frames, exc, send

    def body():
        f, e, s = box
        box.clear()
        if s is None:
            return _engine.resume(f, e, detached=True)
        return _engine.resume(f, e, s, detached=True)

    return _execute(body, program)


# ---------------------------------------------------------------- inspecting
def _human(n):
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def inspect_snapshot(path, as_json):
    import json
    try:
        manifest = _snapfile.read_manifest(path)
    except (OSError, _snapfile.SnapshotFileError) as e:
        print(f"suspendable inspect: {_about(path, e)}", file=sys.stderr)
        return 2
    manifest = dict(manifest)
    manifest.setdefault("size", os.path.getsize(path))
    if as_json:
        print(json.dumps(manifest, indent=2, default=str))
        return 0
    py = manifest.get("python", {})
    print(f"snapshot {path} ({_human(manifest['size'])}), {manifest.get('kind')} {manifest.get('script')}")
    created = manifest.get("created")
    if isinstance(created, (int, float)):
        import datetime
        created = datetime.datetime.fromtimestamp(created, datetime.timezone.utc).isoformat(timespec="seconds")
    print(f"created {created} by suspendable {manifest.get('engine')}, "
          f"CPython {py.get('version')} (bytecode magic {py.get('magic')}), {manifest.get('platform')}")
    mine = python_identity()
    if py.get("minor") != mine["minor"] or py.get("magic") != mine["magic"]:
        print(f"NOT resumable here: this is CPython {mine['version']} (bytecode magic {mine['magic']})")
    stopped = manifest.get("stopped_at") or {}
    print(f"stopped at {stopped.get('where')}")
    print(f"argv {manifest.get('argv')}  cwd {manifest.get('cwd')}")
    print("stack (outermost first):")
    for i, fr in enumerate(manifest.get("frames", [])):
        via = f" [via {fr['via']}]" if fr.get("via") else ""
        print(f"  #{i} {fr['file']}:{fr['line']} in {fr['function']}{via}")
        if fr.get("source"):
            print(f"       {fr['source']}")
        for v in fr.get("locals", []):
            print(f"       {v['name']}: {v['type']} ({_human(v['size'])})")
    globals_ = manifest.get("globals", [])
    counts = {}
    for v in globals_:
        counts[v["kind"]] = counts.get(v["kind"], 0) + 1
    summary = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(counts.items()))
    print(f"globals: {len(globals_)} ({summary})")
    for v in globals_:
        if v["kind"] == "value":
            print(f"  {v['name']}: {v['type']} ({_human(v['size'])})")
    mods = manifest.get("modules", [])
    print("modules: " + ", ".join(m["name"] + (f" {m['version']}" if m.get("version") else "") for m in mods))
    return 0
