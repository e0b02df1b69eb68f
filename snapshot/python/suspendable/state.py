"""The whole session beside its frames: one layer shared by `suspendable run`, the kernel and the REPL.

A snapshot's payload is ONE pickle (so identity and sharing survive between the namespace and the
frames) of::

    {"early",                            # the globals bound as they load (graph.early_bindings)
     "frames", "exc", "send",            # the captured chain, if any (see the frame engine)
     "globals",                          # the namespace to restore
     "process",                          # environment changes, RNG states, logging configuration, ...
     "registrations", "hooks",           # suspendable.register(...) and suspendable.on_resume(...)
     "linecache"}                        # source lines of frames whose files may be gone at resume

and the manifest (readable without unpickling) gets the modules: every imported third-party module with
its version, every module imported from a local ``.py`` file with its path and SHA-256 (and, with
``bundle_modules``, its source, so a resume elsewhere still imports it).

What the session changed is what travels: environment variables are saved as the difference from the
environment this process started with, and ``sys.path`` keeps the new process's own entries in place
of the old one's. So a resume on a machine with another HOME or PATH keeps those unless the session
set them itself.
"""

import _signal
import importlib.util
import io
import os
import sys
import warnings


def _lazy_module(name):
    """`name` imported at its first use: every `suspendable run` imports this module at start-up, and
    the pickler's module (with dataclasses, typing, inspect behind it) is only needed to save or load."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


graph = _lazy_module("suspendable.graph")

_BASELINE_ENV = dict(os.environ)
_BASELINE_PATH = list(sys.path)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_hooks = []  # on_resume callbacks of this session, in registration order


class RestoreError(Exception):
    """The snapshot cannot be restored in this process; the message says why."""


class SnapshotMismatch(RestoreError):
    """The snapshot cannot continue here: another CPython, or code on its stack changed."""


class Dumped:
    """A serialized session: the pickle, its out-of-band buffers, what was left out, manifest fields."""

    def __init__(self, data, buffers, skipped, manifest):
        self.data = data
        self.buffers = buffers
        self.skipped = skipped
        self.manifest = manifest


# ---------------------------------------------------------------- on_resume hooks
def on_resume(fn):
    """Registers ``fn()`` to run after this session is restored from a snapshot file (reconnect a
    database, reopen a socket...). The function travels in the snapshot; returns it (a decorator)."""
    if not callable(fn):
        raise TypeError(f"on_resume() needs a callable, not {type(fn).__name__}")
    _hooks.append(fn)
    return fn


def _run_hooks(hooks):
    warnings_ = []
    _hooks[:] = hooks
    for fn in hooks:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - one broken hook must not cost the session
            name = getattr(fn, "__qualname__", repr(fn))
            warnings_.append(f"on_resume hook {name}() raised {type(e).__name__}: {e}")
    return warnings_


# ---------------------------------------------------------------- process state
def _environment_changes():
    changed = {k: v for k, v in os.environ.items() if _BASELINE_ENV.get(k) != v}
    removed = [k for k in _BASELINE_ENV if k not in os.environ]
    return {"set": changed, "unset": removed}


def _numpy_random_state():
    np_random = sys.modules.get("numpy.random")
    if np_random is None:
        return None
    try:
        return np_random.get_state(legacy=False)
    except Exception:  # noqa: BLE001 - an unusual numpy: its global RNG is then not kept
        return None


def _logger_signature(logger):
    return (logger.level, logger.propagate, logger.disabled, tuple(map(id, logger.handlers)),
            tuple(map(id, logger.filters)))


def _loggers(logging):
    named = [(name, lg) for name, lg in list(logging.Logger.manager.loggerDict.items())
             if isinstance(lg, logging.Logger)]
    return [("", logging.root)] + named


def _logging_baseline():
    logging = sys.modules.get("logging")
    return {} if logging is None else {name: _logger_signature(lg) for name, lg in _loggers(logging)}


_LOGGING_BASELINE = _logging_baseline()  # the loggers as this process (a kernel, say) set them up


class _LazyProbe:
    """graph.Probe, made (it indexes every module) only when something is to be checked."""

    def __init__(self, ns):
        self.ns, self.probe = ns, None

    def why_not(self, obj):
        self.probe = self.probe or graph.Probe(self.ns)
        return self.probe.why_not(obj)


def _logging_state(ns):
    """Loggers live in the logging module, which travels by reference, so their levels, handlers and
    filters are kept here: for every logger the session configured (unlike at this process's start).
    A handler or filter that cannot be saved (a SysLogHandler's socket) is left out and named at
    resume rather than refusing the suspend: logging is a side channel of the program."""
    logging = sys.modules.get("logging")
    if logging is None:
        return None
    probe = _LazyProbe(ns)
    loggers, dropped = {}, []
    for name, lg in _loggers(logging):
        untouched = (30 if lg is logging.root else 0, True, False, (), ())  # as logging makes them
        if _LOGGING_BASELINE.get(name, untouched) == _logger_signature(lg):
            continue
        kept = {"handlers": [], "filters": []}
        for kind in kept:
            for item in getattr(lg, kind):
                why = probe.why_not(item)
                if why is None:
                    kept[kind].append(item)
                else:
                    dropped.append(f"{item!r} of logger {name or 'root'!r} was not saved ({why})")
        loggers[name] = dict(kept, level=lg.level, propagate=lg.propagate, disabled=lg.disabled)
    return {"disable": logging.root.manager.disable, "loggers": loggers, "dropped": dropped}


def _restore_logging(state, messages):
    import logging
    for name, saved in state["loggers"].items():
        lg = logging.getLogger(name or None)
        lg.setLevel(saved["level"])  # also clears the level caches
        lg.propagate, lg.disabled = saved["propagate"], saved["disabled"]
        lg.filters[:] = saved["filters"]
        lg.handlers[:] = saved["handlers"]
        for handler in saved["handlers"]:
            # Unpickled, not constructed: register them as Handler.__init__ does, so that
            # logging.shutdown() flushes them at exit and named ones are found by name.
            logging._addHandlerRef(handler)
            if handler.get_name():
                handler.set_name(handler.get_name())
    logging.disable(state["disable"])
    messages += ["logging: " + what for what in state["dropped"]]


_OWN_PACKAGES = ("suspendable", "suspendable_kernel", "suspendable_repl", "_suspendable_engine",
                 "_suspendable_kernel", "_suspendable_format")
_BUILTIN_DIALECTS = ("excel", "excel-tab", "unix")


def _signal_handlers():
    handlers = {}
    for signum in _signal.valid_signals():
        try:
            handlers[signum] = _signal.getsignal(signum)
        except (OSError, ValueError):
            pass
    return handlers


_BASELINE_SIGNALS = _signal_handlers()
_BASELINE_EXCEPTHOOK = sys.excepthook


# The atexit module cannot list its handlers. Those registered after this module is imported - before
# any program code runs: `suspendable run`, the kernel and the REPL import it first - are tracked by
# wrapping atexit.register / unregister; they travel with the session and are registered again at
# resume, unless the resuming process registered the same one already (a library imported again).
_atexit_handlers = []  # (func, args, kwargs), in registration order


def _track_atexit():
    import atexit
    register, unregister = atexit.register, atexit.unregister
    if getattr(register, "_suspendable_tracked", False):
        return

    def tracked_register(func, *args, **kwargs):
        result = register(func, *args, **kwargs)
        _atexit_handlers.append((func, args, kwargs))
        return result

    def tracked_unregister(func):
        unregister(func)
        _atexit_handlers[:] = [h for h in _atexit_handlers if h[0] != func]

    for wrapper, original in ((tracked_register, register), (tracked_unregister, unregister)):
        wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = original.__name__, original.__name__, original.__doc__
        wrapper.__module__ = "atexit"
    tracked_register._suspendable_tracked = True
    atexit.register, atexit.unregister = tracked_register, tracked_unregister


_track_atexit()


def _host_handler(func):
    owner = getattr(func, "__self__", None)
    module = str(getattr(func, "__module__", None) or "").split(".")[0]
    return module in _OWN_PACKAGES or module == "IPython" or \
        any(owner is obj for obj in graph._HOST_OBJECTS.values())


def _hooks_state(ns):
    """What the program installed in the interpreter and in libraries, beyond its objects: Python
    signal handlers and running interval timers, sys.excepthook, the int digit limit, numpy's print
    and error options, csv dialects, atexit handlers. A handler that cannot be saved is left out and
    named at resume."""
    probe = _LazyProbe(ns)
    dropped = []

    def saveable(what, value):
        why = probe.why_not(value)
        if why is not None:
            dropped.append(f"{what} {value!r} was not saved ({why}); it is gone")
        return why is None

    # Python handlers only: SIG_IGN / SIG_DFL on SIGINT and the like are the host's (the console
    # ignores SIGINT between statements), and handlers of this package are the suspend's own.
    signals = {}
    for signum, handler in _signal_handlers().items():
        if not callable(handler) or handler == _BASELINE_SIGNALS.get(signum) or \
                str(getattr(handler, "__module__", "")).split(".")[0] in _OWN_PACKAGES:
            continue
        if saveable(f"the handler of signal {signum}", handler):
            signals[signum] = handler
    timers = {}
    timer_signals = {"ITIMER_REAL": "SIGALRM", "ITIMER_VIRTUAL": "SIGVTALRM", "ITIMER_PROF": "SIGPROF"}
    for which, signame in timer_signals.items():
        remaining = _signal.getitimer(getattr(_signal, which))
        if remaining[0] > 0 and str(getattr(_signal.getsignal(getattr(_signal, signame)), "__module__", "")
                                    ).split(".")[0] not in _OWN_PACKAGES:  # not the console's exit deadline
            timers[which] = remaining
    hook = sys.excepthook if sys.excepthook is not _BASELINE_EXCEPTHOOK else None
    if hook is not None and not saveable("sys.excepthook", hook):
        hook = None
    np = sys.modules.get("numpy")
    numpy = {"print": np.get_printoptions(), "err": np.geterr()} if hasattr(np, "get_printoptions") else None
    if numpy is not None and not saveable("numpy's print options", numpy["print"]):
        numpy = None
    csv = sys.modules.get("csv")
    dialects = {} if csv is None else {
        name: {k: getattr(csv.get_dialect(name), k) for k in graph._CSV_DIALECT}
        for name in csv.list_dialects() if name not in _BUILTIN_DIALECTS}
    exit_handlers = [h for h in _atexit_handlers if not _host_handler(h[0]) and
                     saveable(f"the atexit handler {getattr(h[0], '__qualname__', h[0])!r}", h)]
    return {"signals": signals, "timers": timers, "excepthook": hook, "numpy": numpy, "csv_dialects": dialects,
            "int_max_str_digits": sys.get_int_max_str_digits(), "atexit": exit_handlers, "dropped": dropped}


def _finalizers(ns):
    """weakref.finalize callbacks still waiting (a program often keeps no handle: only weakref's
    registry has them); each comes back registered (graph.py). Ones that cannot be saved are left to
    the process that made them."""
    weakref = sys.modules.get("weakref")
    if weakref is None:
        return []
    probe = _LazyProbe(ns)
    return [f for f in list(weakref.finalize._registry) if f.alive and probe.why_not(f) is None]


def _restore_hooks(hooks, messages):
    for signum, handler in hooks["signals"].items():
        try:
            _signal.signal(signum, handler)
        except (OSError, ValueError) as e:
            messages.append(f"the handler of signal {signum} could not be set again: {e}")
    for which, (delay, interval) in hooks["timers"].items():
        _signal.setitimer(getattr(_signal, which), delay, interval)
    if hooks["excepthook"] is not None:
        sys.excepthook = hooks["excepthook"]
    sys.set_int_max_str_digits(hooks["int_max_str_digits"])
    if hooks["numpy"] is not None:
        import numpy
        numpy.set_printoptions(**hooks["numpy"]["print"])
        numpy.seterr(**hooks["numpy"]["err"])
    if hooks["csv_dialects"]:
        import csv
        for name, dialect in hooks["csv_dialects"].items():
            csv.register_dialect(name, **dialect)
    if hooks.get("atexit"):
        import atexit
        for func, args, kwargs in hooks["atexit"]:
            if not any(h[0] == func and h[1] == args and h[2] == kwargs for h in _atexit_handlers):
                atexit.register(func, *args, **kwargs)
    messages += hooks["dropped"]


def _location_state():
    """Where the program looks for files and modules: in the manifest, restored before unpickling
    (which imports modules by name and reopens files)."""
    return {"cwd": os.getcwd(), "sys_path": list(sys.path), "baseline_path": list(_BASELINE_PATH),
            "argv": list(sys.argv), "orig_argv": list(sys.orig_argv)}


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stream_options(stream):
    return {"encoding": stream.encoding, "errors": stream.errors, "line_buffering": stream.line_buffering,
            "write_through": stream.write_through}


_BASELINE_STREAMS = {name: _stream_options(getattr(sys, name)) for name in ("stdout", "stderr")
                     if isinstance(getattr(sys, name, None), io.TextIOWrapper)}


def _interpreter_state():
    """Settings of the interpreter and the process that the program may change: gc, umask, the
    thread switch interval, the text options of stdout / stderr (sys.stdout.reconfigure)."""
    import gc
    streams = {}
    for name, baseline in _BASELINE_STREAMS.items():
        stream = getattr(sys, name, None)
        if isinstance(stream, io.TextIOWrapper) and _stream_options(stream) != baseline:
            streams[name] = {k: v for k, v in _stream_options(stream).items() if baseline.get(k) != v}
    return {"gc_enabled": gc.isenabled(), "gc_threshold": gc.get_threshold(), "umask": _umask(),
            "switch_interval": sys.getswitchinterval(), "streams": streams}


def _process_state(ns):
    return {
        "interpreter": _interpreter_state(),
        "logging": _logging_state(ns),
        "hooks": _hooks_state(ns),
        "finalizers": _finalizers(ns),
        # sys.stdout & co. replaced by the program (a redirect_stdout in progress): restored as they are
        "streams": {name: getattr(sys, name) for name in ("stdin", "stdout", "stderr")
                    if not graph.is_process_stream(name, getattr(sys, name))},
        "environ": _environment_changes(),
        # A module the program never imported has no state of its own to keep.
        "random": sys.modules["random"].getstate() if "random" in sys.modules else None,
        "numpy_random": _numpy_random_state(),
        "recursion_limit": sys.getrecursionlimit(),
        "warnings_filters": list(warnings.filters),
        "decimal_context": sys.modules["decimal"].getcontext() if "decimal" in sys.modules else None,
        "context_vars": _module_context_vars(ns),
    }


def _module_context_vars(ns):
    """The running context's variables that are attributes of imported modules (a helper module's
    `request_id`). Their modules come back imported afresh, so the variables travel here, each with its
    value, which graph.py sets again at load; the program's own variables travel with what holds them.
    One whose value cannot be saved is left out: it is the module's."""
    contextvars = sys.modules.get("contextvars")
    if contextvars is None:
        return []
    index = graph._attribute_index()
    probe = _LazyProbe(ns)
    kept = []
    for var in contextvars.copy_context():
        where = index.get(id(var))
        if where is not None and where[0].split(".")[0] not in _OWN_PACKAGES + ("IPython",) and \
                probe.why_not(var) is None:
            kept.append(var)
    return kept


def _merged_sys_path(saved, old_baseline):
    """The session's sys.path with the old process's own entries replaced by this process's."""
    out = []
    for entry in saved:
        if entry in old_baseline:
            if not any(e in out for e in _BASELINE_PATH):
                out.extend(e for e in _BASELINE_PATH if e not in out)
        elif entry not in out:
            out.append(entry)
    out.extend(e for e in _BASELINE_PATH if e not in out)
    if _PACKAGE_DIR not in out:
        out.insert(0, _PACKAGE_DIR)  # this package, wherever this installation keeps it
    return out


def _restore_location(manifest, messages):
    cwd = manifest.get("cwd")
    if cwd and os.path.isdir(cwd):
        os.chdir(cwd)
    elif cwd:
        messages.append(f"the working directory {cwd} does not exist here; staying in {os.getcwd()}")
    if manifest.get("sys_path"):
        sys.path[:] = _merged_sys_path(manifest["sys_path"], manifest.get("baseline_path") or [])
    if manifest.get("argv") is not None:
        sys.argv[:] = manifest["argv"]
    if manifest.get("orig_argv") is not None:
        sys.orig_argv[:] = manifest["orig_argv"]


def _restore_process(process, messages):
    env = process.get("environ") or {}
    os.environ.update(env.get("set") or {})
    for key in env.get("unset") or ():
        os.environ.pop(key, None)
    if "TZ" in (env.get("set") or {}) or "TZ" in (env.get("unset") or ()):
        import time
        time.tzset()  # the C library reads TZ only then
    interp = process.get("interpreter") or {}
    if interp:
        import gc
        gc.set_threshold(*interp["gc_threshold"])
        (gc.enable if interp["gc_enabled"] else gc.disable)()
        os.umask(interp["umask"])
        sys.setswitchinterval(interp["switch_interval"])
        for name, options in interp["streams"].items():
            stream = getattr(sys, name, None)
            if hasattr(stream, "reconfigure"):
                try:
                    stream.reconfigure(**options)
                except (ValueError, OSError, LookupError) as e:
                    messages.append(f"sys.{name} could not be set to {options}: {e}")
    if process.get("random") is not None:
        import random
        random.setstate(process["random"])
    if process.get("numpy_random") is not None:
        import numpy.random
        numpy.random.set_state(process["numpy_random"])
    sys.setrecursionlimit(process.get("recursion_limit") or sys.getrecursionlimit())
    if process.get("warnings_filters") is not None:
        warnings.filters[:] = process["warnings_filters"]
        warnings._filters_mutated()
    if process.get("decimal_context") is not None:
        import decimal
        decimal.setcontext(process["decimal_context"])
    if process.get("logging") is not None:
        _restore_logging(process["logging"], messages)
    if process.get("hooks") is not None:
        _restore_hooks(process["hooks"], messages)
    for name, stream in (process.get("streams") or {}).items():
        setattr(sys, name, stream)
    for module, attr, count in process.get("held_locks") or ():
        lock = getattr(importlib.import_module(module), attr, None)
        if lock is None or not all(lock.acquire(False) for _ in range(count or 1)):
            messages.append(f"{module}.{attr} could not be taken again as it was held at the suspend")


def _held_module_locks(frames):
    """(module, name, recursion count or None) of the imported modules' locks the captured frames use (a
    global of their code) that are held. Only the main thread runs Python code during a suspend, so a
    frame that took one with acquire() releases it after the resume (tempfile.gettempdir's _once_lock);
    the module, imported afresh by the resuming process, has it unlocked: it is taken again there.
    __main__'s locks travel with its globals (graph.py)."""
    import _thread
    held = []
    for func, code, *_ in frames or ():
        module_globals = getattr(func, "__globals__", None)
        name = module_globals.get("__name__") if module_globals is not None else None
        module = sys.modules.get(name) if isinstance(name, str) and name != "__main__" else None
        if module is None or getattr(module, "__dict__", None) is not module_globals:
            continue
        for attr in code.co_names:
            lock = module_globals.get(attr)
            if type(lock) is _thread.LockType and lock.locked():
                entry = (name, attr, None)
            elif type(lock) is _thread.RLock and lock._is_owned():
                entry = (name, attr, graph.rlock_count(lock))
            else:
                continue
            if entry not in held:
                held.append(entry)
    return held


# ---------------------------------------------------------------- modules
def _library_dirs():
    import sysconfig  # here, not at start-up: every `suspendable run` imports this module
    dirs = {sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    dirs |= {os.path.join(sys.base_prefix, "lib"), _PACKAGE_DIR}
    return tuple(os.path.realpath(d) + os.sep for d in dirs if d)


def _is_local(path, library_dirs):
    return path.endswith(".py") and not os.path.realpath(path).startswith(library_dirs)


def _sha256(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()


def _module_source(name, path):
    """The source of a local module: its file, else the bundled copy it was imported from."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        bundled = _BundleFinder.instance.modules.get(name) if _BundleFinder.instance else None
        return bundled["source"].encode() if bundled else None


def _version(module):
    version = getattr(module, "__version__", None)
    return version if isinstance(version, str) else None


def modules_manifest(bundle=False):
    """Imported modules: third-party ones with their versions; local ones with path, hash (and source)."""
    library_dirs = _library_dirs()
    third_party, local = [], []
    for name, module in sorted(sys.modules.items()):
        if module is None or name == "__main__":
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and _is_local(path, library_dirs):
            data = _module_source(name, path)
            if data is None:
                continue
            entry = {"name": name, "path": os.path.abspath(path), "sha256": _sha256(data),
                     "package": hasattr(module, "__path__")}
            if bundle:
                entry["source"] = data.decode("utf-8", "surrogateescape")
            local.append(entry)
        elif "." not in name and not name.startswith("_"):
            third_party.append({"name": name, "version": _version(module)})
    return {"modules": third_party, "local_modules": local}


class _BundleFinder:
    """Imports local modules from the sources bundled in a snapshot (installed first on sys.meta_path).
    A meta path finder and loader by protocol (find_spec, create_module, exec_module): importlib.abc
    would cost every start-up ~30 ms of imports."""

    instance = None

    def __init__(self):
        self.modules = {}

    @classmethod
    def install(cls, entries):
        if cls.instance is None:
            cls.instance = cls()
            sys.meta_path.insert(0, cls.instance)
        for entry in entries:
            cls.instance.modules[entry["name"]] = entry

    def find_spec(self, name, path=None, target=None):
        entry = self.modules.get(name)
        if entry is None:
            return None
        return importlib.util.spec_from_loader(name, self, origin=entry["path"], is_package=entry["package"])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        entry = self.modules[module.__name__]
        module.__file__ = entry["path"]
        if entry["package"]:
            module.__path__ = [os.path.dirname(entry["path"])]
        exec(compile(entry["source"], entry["path"], "exec", dont_inherit=True), module.__dict__)


def check_local_modules(manifest):
    """Before unpickling: warns about local modules that changed or vanished since the snapshot; with
    bundled sources, those modules are imported from the snapshot instead. Returns the warnings."""
    messages, bundled = [], []
    for entry in manifest.get("local_modules") or ():
        try:
            with open(entry["path"], "rb") as f:
                current = _sha256(f.read())
        except OSError:
            current = None
        has_source = "source" in entry
        if has_source:
            bundled.append(entry)
        if current == entry["sha256"]:
            continue
        state = "is missing" if current is None else "changed since the snapshot"
        then = "; using the copy bundled in the snapshot" if has_source else \
            ("" if current is not None else "; importing it will fail (suspend with --bundle-modules to "
             "carry its source)")
        messages.append(f"module {entry['name']} ({entry['path']}) {state}{then}")
    if bundled:
        _BundleFinder.install(bundled)
    return messages


def check_module_versions(manifest):
    """After unpickling: third-party modules imported now in another version than at the snapshot."""
    messages = []
    for entry in manifest.get("modules") or ():
        module = sys.modules.get(entry["name"])
        if module is None or entry.get("version") is None:
            continue
        now = _version(module)
        if now != entry["version"]:
            messages.append(f"module {entry['name']} was version {entry['version']} at the snapshot, "
                            f"it is {now or 'unversioned'} here")
    return messages


def check_library_code(frames):
    """A library frame continues with the code saved in the snapshot; if the library changed, that old
    code would run next to the new module. An error, not a warning."""
    for func, code, *_ in frames or ():
        if func is not None and func.__code__ is not code and func.__code__ != code:
            raise SnapshotMismatch(
                f"the code of {func.__module__}.{func.__qualname__} changed since the snapshot "
                "(the suspended frame would run the old code)")


# ---------------------------------------------------------------- dump / load
def function_label(code):
    return f"{code.co_name}()" if code.co_name != "<module>" else "<module>"


def diagnostic_roots(frames, exc, globals_):
    """(path, object) for everything a snapshot holds, named as the user knows it."""
    roots = []
    for func, code, lasti, localsplus, stack, f_locals, mode, link, *_ in frames or ():
        label = f"frame {function_label(code)}"
        if code.co_name != "<module>":
            for name, value in zip(graph.slot_names(code), localsplus):
                if value is not graph.NULL:
                    roots.append((f"{label} local {name!r}", graph.cell_value(value)))
        for i, value in enumerate(stack):
            if value is not graph.NULL:
                roots.append((f"{label} stack[{i}]", value))
        if link:
            roots.append((f"{label} call", link[1:]))
    for name, value in globals_.items():
        roots.append((f"global {name!r}", value))
    if exc is not None:
        roots.append(("handled exception", exc))
    return roots


def _linecache():
    """Source lines read so far: cells exist only there, and library frames may be stopped between
    linecache's check of a file and its use (getlines: `if filename in cache: entry = cache[filename]`).
    Lazy entries (a 1-tuple holding a loader's getter, as traceback's lazycache makes them) are saved
    resolved, as linecache.updatecache would store them (mtime None); one whose source cannot be read
    is left out."""
    linecache = sys.modules.get("linecache")
    if linecache is None:
        return {}  # nothing has read source lines
    saved = {}
    for name, entry in list(linecache.cache.items()):
        if len(entry) == 4:
            saved[name] = entry
            continue
        try:
            data = entry[0]()
        except Exception:  # noqa: BLE001 - a loader that cannot read it now: as if never looked at
            continue
        if isinstance(data, str):
            lines = data.splitlines()
            saved[name] = (len(data), None, [line + "\n" for line in lines], name)
    return saved


def dump(ns, globals_, frames=None, exc=None, send=None, *, skip_unsaveable=False, bundle_modules=False):
    """Serializes the session. Raises graph.UnpicklableError naming every object that cannot be
    saved, unless ``skip_unsaveable``: then each is saved as a placeholder and listed in ``skipped``."""
    payload = {
        "early": graph.early_bindings(ns, globals_),  # first: see graph.early_bindings
        "frames": frames, "exc": exc, "send": send, "globals": globals_,
        "process": dict(_process_state(ns), held_locks=_held_module_locks(frames)),
        "registrations": graph.registrations(),
        "hooks": list(_hooks),
        "linecache": _linecache(),
    }
    buffers = []
    skipped = []
    raw = graph.half_built(frames)
    try:
        data = graph.dumps(payload, ns, buffer_callback=buffers.append, raw=raw)
    except Exception as e:  # noqa: BLE001 - find and name everything that cannot be saved
        problems = graph.find_unpicklable_objects(
            diagnostic_roots(frames, exc, globals_) + [("process state", payload["process"]),
                                                       ("on_resume hooks", payload["hooks"])], ns, raw=raw)
        if not problems:
            raise graph.UnpicklableError([("session", type(e).__name__, str(e))]) from None
        if not skip_unsaveable:
            raise graph.UnpicklableError([p[:3] for p in problems]) from None
        placeholders = {id(obj): path for path, _, _, obj in problems}
        buffers.clear()
        data = graph.dumps(payload, ns, buffer_callback=buffers.append, placeholders=placeholders, raw=raw)
        skipped = [(path, type_name, reason) for path, type_name, reason, _ in problems]
    manifest = modules_manifest(bundle_modules)
    manifest.update(_location_state())
    manifest["skipped"] = [{"path": p, "type": t, "reason": r} for p, t, r in skipped]
    return Dumped(data, [b.raw() for b in buffers], skipped, manifest)


def load(manifest, data, buffers, ns):
    """Restores a session's payload into this process: the working directory, sys.path and argv are
    restored and local modules checked (bundled ones installed) before anything is unpickled, then the process state is restored and the on_resume
    hooks run. The namespace is NOT updated (the caller decides where the globals go). Returns the
    payload with ``warnings`` (strings for the user)."""
    messages = []
    _restore_location(manifest, messages)
    messages += check_local_modules(manifest)
    try:
        payload = graph.loads(data, ns, buffers)
    except Exception as e:  # noqa: BLE001 - a module that is gone, a class that changed...
        raise RestoreError("; ".join(messages + [f"cannot restore the objects: {type(e).__name__}: {e}"])) \
            from None
    check_library_code(payload.get("frames"))
    messages += check_module_versions(manifest)
    graph.restore_registrations(payload.get("registrations"))
    _restore_process(payload["process"], messages)
    import linecache
    linecache.cache.update(payload.get("linecache") or {})
    payload["warnings"] = messages
    return payload


def run_resume_hooks(payload):
    """Runs the session's on_resume hooks (after the caller restored the namespace); returns warnings."""
    return _run_hooks(payload.get("hooks") or [])
