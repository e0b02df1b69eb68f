"""The object graph of a suspended program: one pickle (protocol 5) stream.

Namespace, frames and everything they reach go through ONE pickler, so identity and sharing survive
(``a is b``, cycles, the same list in a global and in a frame local, a view and its base array).

What travels how is decided in one place, ``Pickler.reducer_override`` (in this order):

1. placeholders the caller asked for (``dumps(..., placeholders={id(obj): "global 'db'"})``): an
   ``Unsaved`` object that raises ``UnsavedObjectError`` naming what it was when it is used;
2. objects whose ``__init__`` is running on the captured chain (``half_built``): their raw state (``__dict__``
   and ``__slots__`` members), bypassing a ``__reduce__``/``__getstate__`` written for complete objects;
   the engine lets such a chain be captured only when the class's layout is plain (``plain_layout``);
3. user registrations (``register(type, save_fn, restore_fn)``): ``restore_fn(save_fn(obj))`` at load;
   ``save_fn``'s result goes through this same pickler; the registrations themselves travel in the
   snapshot (``registrations()`` / ``restore_registrations()``);
4. by reference (looked up again at resume): modules (re-imported by name), importable module-level
   functions and classes (plain pickle's GLOBAL, so a missing name fails the resume with its name), the
   program's namespace, ``__main__``, module ``__dict__``s, the standard streams (they become the new
   process's streams), module-level singletons (``dataclasses.MISSING``, the ``random`` module's
   generator) and, as a last resort, any object that cannot be pickled otherwise but is an attribute of
   an imported module (``from numpy import *`` brings PyCapsules into the namespace);
5. by value, with a reducer from the ``_REDUCERS`` table (keyed by exact type) or ``_SUBCLASS_REDUCERS``:
   * code objects by ``marshal`` (version-locked: the snapshot records the bytecode magic);
   * functions, lambdas and closures whose globals are the program's namespace, or that cannot be
     imported by name; they are rebuilt with the SAME globals dict the restored frames use
     (cloudpickle-style per-function globals would break ``global`` statements);
   * classes defined in ``__main__`` or anywhere they cannot be imported by name: methods, properties,
     ``__slots__``, dataclasses, enums, metaclasses, ABCs (with their registered virtual subclasses),
     typing generics and protocols; a class redefined later keeps its old instances on the old class;
   * cells are shared objects (a closure and its defining frame see the same cell after loading);
   * suspended generators, coroutines and async generators travel with their frame (the engine reads
     and writes it in place);
   * exceptions keep ``__context__``, ``__cause__``, ``__suppress_context__`` and ``__traceback__`` (its
     frames become stand-ins with the same code, globals and position);
   * regular open files are reopened at the same position (never truncated);
   * ``csv`` readers and writers (with their file), ``struct.Struct``, ``re.finditer`` iterators;
   * ``os.DirEntry`` (found again in its directory at load, else a stand-in with its saved name, path and
     type) and ``os.scandir()`` iterators (one still reading goes on with the names it had not yielded,
     read from a second stream of its directory), so ``os.walk``, ``glob.iglob`` and ``Path.rglob``
     loops are saved;
   * ``contextvars.ContextVar`` with its value in the running context (set again at load; a library's
     variable by reference) and ``contextvars.Context`` objects (their items);
   * locks (``threading.Lock``, ``RLock``, hence ``Condition``, ``Event``, ``queue.Queue``, logging
     handlers) come back held as they were, by the resuming thread (only the main thread runs Python
     code while a session is saved); ``threading.local`` keeps the main thread's attributes; the main
     ``Thread`` object is the new process's;
   * ``property``, ``staticmethod``, ``classmethod``, ``functools.cached_property``,
     ``functools.cmp_to_key`` keys, ``re.Match``, weak references and weak containers (their referents
     are pickled strongly: a referent nothing else holds is dead again after loading), dict views,
     ``itertools.pairwise``, memoryviews, getset descriptors (looked up again in their class), ``code.co_positions()`` iterators;
   * numpy arrays: a view of another array is rebuilt as a view of the same base (sharing survives;
     non-contiguous slices are not copied); base arrays go out-of-band through protocol 5's
     ``buffer_callback`` (numpy's own reducer), like any other ``PickleBuffer`` (pandas blocks too);
     only arrays of objects travel in-band;
6. everything else as plain pickle does (``__reduce_ex__(5)``, ``copyreg.dispatch_table``).

What cannot be saved is found by ``find_unpicklable`` / ``find_unpicklable_objects``: EVERY reachable
object that does not pickle, each with its path (``frame work() local 'sock'``, ``global 'cfg'['conns'][1]``,
``global 'pbar'.fp``) and type name (``socket.socket``, ``_io.TextIOWrapper(<stderr>)``).
"""

import _abc
import _thread
import abc
import codecs
import collections
import collections.abc
import contextvars
import copyreg
import csv
import dataclasses
import enum
import functools
import gc
import importlib
import io
import itertools
import marshal
import os
import pickle
import random
import re
import struct
import sys
import threading
import types
import weakref

import _suspendable_engine as _engine
import _suspendable_format as _format

NULL = _engine.NULL


class UnpicklableError(Exception):
    """The snapshot cannot be written; ``problems`` lists ``(path, type name, reason)``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {t}" for p, t, _ in problems))


# ---------------------------------------------------------------- placeholders for unsaveable objects
class UnsavedObjectError(RuntimeError):
    """A placeholder of an object that could not be saved was used after resume."""


class _UnsavedProbe(UnsavedObjectError, AttributeError):
    """Raised for ``_private`` and ``__dunder__`` lookups, so ``hasattr``/protocol probes (display
    hooks, ``isinstance`` checks, numpy's ``__array__`` probe) see a missing attribute."""


class Unsaved:
    """Stands in for an object that could not be saved (``--skip-unsaveable``). Every use - attribute
    access, call, iteration, item access, ``bool``, ``len``, arithmetic, ``with`` - raises
    ``UnsavedObjectError`` naming what it was; ``repr`` describes it. It pickles as itself."""

    __slots__ = ("_unsaved_type", "_unsaved_what", "_unsaved_reason")

    def __init__(self, type_name, what, reason=None):
        object.__setattr__(self, "_unsaved_type", type_name)
        object.__setattr__(self, "_unsaved_what", what)
        object.__setattr__(self, "_unsaved_reason", reason)

    def _unsaved_message(self):
        get = object.__getattribute__
        return (f"{get(self, '_unsaved_what')} was a {get(self, '_unsaved_type')} that could not be saved "
                f"(suspended with --skip-unsaveable); recreate it")

    def _unsaved_raise(self, *_args, **_kwargs):
        raise UnsavedObjectError(object.__getattribute__(self, "_unsaved_message")())

    def __getattribute__(self, name):
        if name in ("__class__", "__reduce_ex__", "__reduce__"):
            return object.__getattribute__(self, name)
        message = object.__getattribute__(self, "_unsaved_message")()
        if name.startswith("_"):
            raise _UnsavedProbe(message)
        raise UnsavedObjectError(message)

    def __setattr__(self, name, value):
        self._unsaved_raise()

    def __delattr__(self, name):
        self._unsaved_raise()

    def __repr__(self):
        get = object.__getattribute__
        return f"<unsaved {get(self, '_unsaved_type')}: {get(self, '_unsaved_what')}>"

    __str__ = __repr__

    def __dir__(self):
        return []

    def __reduce_ex__(self, protocol):
        get = object.__getattribute__
        return Unsaved, (get(self, "_unsaved_type"), get(self, "_unsaved_what"), get(self, "_unsaved_reason"))

    def __reduce__(self):
        return self.__reduce_ex__(2)


for _name in ("__call__", "__iter__", "__next__", "__len__", "__bool__", "__getitem__", "__setitem__",
              "__delitem__", "__contains__", "__reversed__", "__length_hint__", "__enter__", "__exit__",
              "__await__", "__aiter__", "__anext__", "__aenter__", "__aexit__", "__int__", "__float__",
              "__complex__", "__index__", "__fspath__", "__round__", "__abs__", "__neg__", "__pos__",
              "__invert__", "__lt__", "__le__", "__gt__", "__ge__", "__get__", "__set__", "__delete__",
              "__missing__", "__bytes__"):
    setattr(Unsaved, _name, Unsaved._unsaved_raise)
for _op in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow", "lshift",
            "rshift", "and", "xor", "or"):
    for _form in ("__%s__", "__r%s__", "__i%s__"):
        setattr(Unsaved, _form % _op, Unsaved._unsaved_raise)
del _name, _op, _form


# ---------------------------------------------------------------- user registrations
_registry = {}        # type -> (save_fn, restore_fn)
_registry_cache = {}  # type -> (save_fn, restore_fn) or None, resolved along the MRO


def register(type_, save_fn, restore_fn):
    """Save instances of ``type_`` (and of its subclasses, unless one has its own registration) as
    ``save_fn(obj)``; a resume rebuilds them as ``restore_fn(saved)``. ``save_fn``'s result is pickled
    with the snapshot's own pickler, so it may hold anything saveable. Typical use: objects holding an
    OS resource (a database connection, a socket)::

        import sqlite3, suspendable
        suspendable.register(sqlite3.Connection,
                             lambda conn: conn.execute("PRAGMA database_list").fetchone()[2],  # its file
                             sqlite3.connect)

    The registrations travel in the snapshot, so a resumed program saves the same way."""
    if not isinstance(type_, type):
        raise TypeError(f"register() needs a type, not {type(type_).__name__}")
    if not callable(save_fn) or not callable(restore_fn):
        raise TypeError("register() needs callable save_fn and restore_fn")
    _registry[type_] = (save_fn, restore_fn)
    _registry_cache.clear()


def unregister(type_):
    """Drops the registration of ``type_`` (no error if there is none)."""
    _registry.pop(type_, None)
    _registry_cache.clear()


def registrations():
    """The current registrations as a picklable value (put it in the snapshot)."""
    return [(t, save_fn, restore_fn) for t, (save_fn, restore_fn) in _registry.items()]


def restore_registrations(value):
    """Registers again what ``registrations()`` returned in the process that saved."""
    for type_, save_fn, restore_fn in value or ():
        register(type_, save_fn, restore_fn)


def _registered(t):
    try:
        return _registry_cache[t]
    except KeyError:
        pass
    entry = None
    for klass in t.__mro__:
        entry = _registry.get(klass)
        if entry is not None:
            break
    _registry_cache[t] = entry
    return entry


def _restore_registered(restore_fn, saved, type_name):
    try:
        return restore_fn(saved)
    except Exception as e:
        raise pickle.UnpicklingError(
            f"the restore function registered for {type_name} failed: {type(e).__name__}: {e}") from e


# ---------------------------------------------------------------- rebuild helpers (called by unpickling)
def _load_code(data):
    return marshal.loads(data)


def _make_function(code, globals_, name, closure):
    return types.FunctionType(code, globals_, name, None, closure)


def _set_function_state(func, state):
    for key, value in state.items():
        if key == "__dict__":
            func.__dict__.update(value)
        else:
            setattr(func, key, value)
    return func


def _own_init_subclass_hooks(bases):
    """(class, hook) for each __init_subclass__ the program defined (in __main__) above `bases`."""
    hooks = {}
    for base in bases:
        for klass in base.__mro__:
            if klass.__module__ == "__main__" and "__init_subclass__" in vars(klass):
                hooks[klass] = vars(klass)["__init_subclass__"]
    return list(hooks.items())


def _make_class(metaclass, name, bases, creation_ns):
    """The class as the program's hooks left it, without running them again: what a metaclass of the
    program or an __init_subclass__ of its classes did (registering the class, appending to a list,
    printing) is already in the saved state; running it twice would duplicate it. Metaclasses of
    libraries still create their classes (their invariants may live outside the class dict)."""
    if getattr(metaclass, "__module__", None) == "typing" and metaclass.__name__ == "_TypedDictMeta":
        # Its __new__ wants TypedDict bases, which the class no longer lists (its bases are (dict,)):
        # created as typing itself does; the state brings the keys and annotations.
        return type.__new__(metaclass, name, bases, creation_ns)
    abstract = creation_ns.pop(_ABSTRACT, None)
    hooks = _own_init_subclass_hooks(bases)
    try:
        for klass, _ in hooks:
            type.__delattr__(klass, "__init_subclass__")
        if metaclass is type or metaclass.__module__ == "__main__":
            cls = type.__new__(metaclass, name, bases, creation_ns)
            if isinstance(cls, abc.ABCMeta) and "_abc_impl" not in vars(cls):
                _abc._abc_init(cls)  # what ABCMeta.__new__ adds to any class
        else:
            cls = metaclass(name, bases, creation_ns)
    finally:
        for klass, hook in hooks:
            type.__setattr__(klass, "__init_subclass__", hook)
    if abstract is not None:
        # As saved, at once: an instance may be made while the class's methods are still being
        # restored (one an lru_cache of its own method holds), and object.__new__ checks this set.
        cls.__abstractmethods__ = abstract
    return cls


# The data types whose members the engine saves raw (safe_point.cpp raw_saveable_enum): how to read the
# plain value out of a member without the enum's own __str__ / __int__.
_RAW_PAYLOAD = {int: int.__int__, str: str.__str__, float: float.__float__}


def _raw_member_type(cls):
    """The data type of an enum class's members when the engine can save them raw, else None."""
    member_type = cls.__dict__.get("_member_type_", object)
    return member_type if member_type is object or member_type in _RAW_PAYLOAD else None


def _make_raw_class(metaclass, name, bases, creation):
    hooks = _own_init_subclass_hooks(bases)
    try:
        for klass, _ in hooks:
            type.__delattr__(klass, "__init_subclass__")
        return type.__new__(metaclass, name, bases, creation)
    finally:
        for klass, hook in hooks:
            type.__setattr__(klass, "__init_subclass__", hook)


def _set_raw_class_state(cls, state):
    for key, value in state.items():
        type.__setattr__(cls, key, value)
    return cls


def _raw_member(cls, member_type, payload):
    return object.__new__(cls) if member_type is object else member_type.__new__(cls, payload)


def _make_enum(metaclass, name, bases, creation, members, attrs):
    # As a class statement does: the metaclass's own namespace, attributes, then the members in order.
    ns = metaclass.__prepare__(name, bases)
    for key, value in creation.items():
        ns[key] = value
    for key, value in attrs.items():
        ns[key] = value
    for key, value in members:
        ns[key] = value
    return metaclass(name, bases, ns)


_ABC_REGISTERED = "<virtual subclasses>"  # a state key no attribute can have
_ABSTRACT = "<abstract methods>"  # a creation key no attribute can have


def _set_class_state(cls, state):
    for key, value in state.items():
        if key == _ABC_REGISTERED:
            for sub in value:
                cls.register(sub)
        else:
            setattr(cls, key, value)
    return cls


def _make_lock(locked):
    lock = _thread.allocate_lock()
    if locked:
        lock.acquire()
    return lock


def rlock_count(lock):
    """How many times the calling thread holds the RLock `lock` (it owns it)."""
    state = lock._release_save()  # (count, owner): the only way to read the recursion count
    lock._acquire_restore(state)
    return state[0]


def _make_rlock(count):
    lock = _thread.RLock()
    for _ in range(count):
        lock.acquire()
    return lock


_CSV_DIALECT = ("delimiter", "doublequote", "escapechar", "lineterminator", "quotechar", "quoting",
                "skipinitialspace", "strict")


def _make_csv_writer(write, dialect):
    # A writer keeps only its output's `write` (and the dialect): the file itself travels with it.
    return csv.writer(types.SimpleNamespace(write=write), **dialect)


def _make_csv_reader(input_iter, dialect, line_num):
    # line_num is read-only; an empty line is an empty row that counts one, whatever the dialect.
    reader = csv.reader(itertools.chain([""] * line_num, input_iter), **dialect)
    for _ in range(line_num):
        next(reader)
    return reader


def _make_thread_local(state):
    local = _thread._local()
    local.__dict__.update(state)
    return local


def _make_traceback(tb_next, frame, lasti, lineno):
    return types.TracebackType(tb_next, frame, lasti, lineno)


def _make_mappingproxy(d):
    return types.MappingProxyType(d)


def _make_exception(cls, args):
    # A Python-level __init__ need not accept .args (super().__init__(message)): skip it, as
    # BaseException.__new__ sets args and __dict__ comes back as state. Builtin __init__s set
    # attributes from args (StopIteration.value, OSError.errno...): call them.
    if any("__init__" in vars(k) for k in cls.__mro__ if k.__module__ != "builtins"):
        try:
            return cls.__new__(cls, *args)
        except TypeError:
            pass
    return cls(*args)


def _new_instance(cls):
    # For classes whose __new__ needs arguments that pickle cannot know: allocate as the first builtin
    # base does (skipping the Python __new__); the state (__dict__, slots) follows as usual.
    for base in cls.__mro__:
        if base.__module__ == "builtins" and "__new__" in vars(base):
            return base.__new__(cls)
    return object.__new__(cls)


def _new_of_base(cls, base, args):
    # An instance of a tuple / int / str ... subclass whose Python __new__ pickling does not know about:
    # allocated as its builtin base does, with the base's own value (the state follows as usual).
    return base.__new__(cls, *args)


def _make_memoryview(base, fmt, shape):
    view = memoryview(base)
    return view.cast("B").cast(fmt, shape) if (view.format, view.shape) != (fmt, shape) else view


def _make_pairwise(it, old):
    p = itertools.pairwise(it if it is not None else iter(()))  # None: exhausted
    _engine.pairwise_set_old(p, old)
    return p


def _make_positions_iterator(code, consumed):
    it = code.co_positions()
    for _ in range(consumed):
        next(it, None)
    return it


def _make_method(func, obj):
    return types.MethodType(func, obj)


def _class_attribute(cls, name):
    return cls.__dict__[name]


def _dict_view(d, kind):
    return getattr(d, kind)()


def _module_attribute(module, name):
    return getattr(importlib.import_module(module), name)


def _make_context_var(name, default, value):
    var = contextvars.ContextVar(name) if default is NULL else contextvars.ContextVar(name, default=default)
    if value is not NULL:
        var.set(value)
    return var


def _context_var_at(module, name, value):
    var = _module_attribute(module, name)
    if value is not NULL:
        var.set(value)
    return var


def _make_context(items):
    ctx = contextvars.Context()
    for var, value in items:
        ctx.run(var.set, value)
    return ctx


def _closed_scandir():
    it = os.scandir(os.sep)
    it.close()
    return it


_DIR_SCANS = {}  # parent directory -> {name: DirEntry}, while one snapshot loads (see loads)
# Generators whose locals are file descriptors (ints: nothing marks them) open in this process only.
_DESCRIPTOR_WALKS = {f.__code__ for f in (getattr(os, "fwalk", None), getattr(os, "_fwalk", None)) if f}


def _dir_entry(path, name, saved):
    """The entry `name` of its directory as a new scan finds it (the real os.DirEntry, whose stat() cache
    starts empty), else a stand-in that answers from what was saved."""
    sep = os.fsencode(os.sep) if isinstance(path, bytes) else os.sep
    parent = path[:-len(name)] if name and path.endswith(name) else path[:0]
    if len(parent) > 1 and parent.endswith(sep):
        parent = parent[:-1]
    if parent:  # empty: scanned through a file descriptor, which this process does not have
        entries = _DIR_SCANS.get(parent)
        if entries is None:
            try:
                with os.scandir(parent) as it:
                    entries = {e.name: e for e in it}
            except OSError:
                entries = {}
            _DIR_SCANS[parent] = entries
        found = entries.get(name)
        if found is not None and found.path == path:
            return found
    return _SavedDirEntry(path, name, saved)


class _ResumedScandir:
    """An os.scandir() iterator saved while it read its directory: it yields the entries it had still to
    yield, in the order the saved one would have (those deleted since are skipped), from a new scan."""

    def __init__(self, path, rest):
        self._path, self._rest, self._entries = path, list(rest), None

    def __iter__(self):
        return self

    def __next__(self):
        if self._entries is None:
            try:
                with os.scandir(self._path) as it:
                    found = {os.fsencode(e.name): e for e in it}
            except OSError:
                found = {}
            self._entries = iter([found[n] for n in self._rest if n in found])
            self._rest = None
        return next(self._entries)

    def close(self):
        self._entries, self._rest = iter(()), None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        remaining = list(self._entries) if self._entries is not None else None
        if remaining is not None:
            self._entries = iter(remaining)
            return _ResumedScandir, (self._path, [os.fsencode(e.name) for e in remaining])
        return _ResumedScandir, (self._path, self._rest)


class _SavedDirEntry:
    """An os.DirEntry whose file was not found again at resume: its name, path and type as saved;
    stat() asks the file system (FileNotFoundError if it is gone)."""

    def __init__(self, path, name, saved):
        self.path, self.name = path, name
        self._saved = saved  # (is_dir, is_file, is_symlink, inode), following symlinks for the first two

    def is_dir(self, *, follow_symlinks=True):
        return bool(self._saved[0] if follow_symlinks else self._saved[0] and not self._saved[2])

    def is_file(self, *, follow_symlinks=True):
        return bool(self._saved[1] if follow_symlinks else self._saved[1] and not self._saved[2])

    def is_symlink(self):
        return bool(self._saved[2])

    def inode(self):
        return self._saved[3]

    def stat(self, *, follow_symlinks=True):
        return os.stat(self.path, follow_symlinks=follow_symlinks)

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return f"<DirEntry {self.name!r}>"


def _make_cell():
    return types.CellType()


def _set_cell(cell, value):
    cell.cell_contents = value
    return cell


def _set_cell_value(cell, box):
    # The value comes boxed: pickle skips the state setter of a None state (a cell holding None).
    cell.cell_contents = box[0]
    return cell


def _set_exception_state(exc, state):
    attrs, context, cause, suppress, tb = state
    exc.__traceback__ = tb
    if isinstance(attrs, dict):
        for key, value in attrs.items():
            setattr(exc, key, value)
    exc.__context__, exc.__cause__, exc.__suppress_context__ = context, cause, suppress
    return exc


def _make_generator_shell(func):
    # Calling a generator function runs only its prefix (COPY_FREE_VARS, MAKE_CELL, RETURN_GENERATOR):
    # no user code. The arguments are placeholders that gen_restore overwrites.
    code = func.__code__
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    return func(*[None] * code.co_argcount, **{name: None for name in kwonly})


def _restore_generator(gen, state):
    code = state[1]
    shell_code = getattr(gen, "gi_code", None) or getattr(gen, "cr_code", None) or gen.ag_code
    if shell_code is not code and shell_code != code:
        raise RuntimeError(f"the code of generator {code.co_qualname} changed since the snapshot")
    _engine.gen_restore(gen, (None,) + tuple(state[1:]))
    return gen


async def _no_coroutine():
    pass


async def _no_async_generator():
    yield


_FINISHED = {"generator": lambda: (x for x in ()), "coroutine": _no_coroutine,
             "async_generator": _no_async_generator}


def _finished_generator(kind="generator"):
    gen = _FINISHED[kind]()
    gen.close()
    return gen


_GENERATOR_KINDS = {types.GeneratorType: "generator", types.CoroutineType: "coroutine",
                    types.AsyncGeneratorType: "async_generator"}
_FRAME_EXECUTING = 0  # gi_frame_state of a running generator (CPython 3.11)

_WRITE_MODES = {"w": "r+", "w+": "r+", "x": "r+", "x+": "r+", "wb": "r+b", "w+b": "r+b", "wb+": "r+b",
                "xb": "r+b", "xb+": "r+b", "x+b": "r+b"}


def _reopen_file(name, mode, position, closed, text_options):
    """Reopen a regular file at the position it had (never truncating what was written)."""
    if closed:
        f = open(os.devnull, "rb" if "b" in (mode or "") else "r")
        f.close()
        # Its name and mode as the program saw them (a later suspend saves it as closed again).
        raw = getattr(f, "buffer", f).raw
        raw.name = name
        if isinstance(f, io.TextIOWrapper):
            f.mode = mode
        return f
    reopen_mode = _WRITE_MODES.get(mode, mode)
    if text_options is None:
        f = open(name, reopen_mode, buffering=-1)
    else:
        f = open(name, reopen_mode, **text_options)
    if "a" not in mode:
        f.seek(position)
    return f


def _std_stream(name):
    return getattr(sys, name)


def _module_dict(name):
    return importlib.import_module(name).__dict__


def _dataclasses_sentinel(name):
    return getattr(dataclasses, name)


def _random_instance():
    return random._inst


def _getattr_path(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _make_cached_property(func, attrname, doc):
    prop = functools.cached_property(func)
    prop.attrname = attrname
    prop.__doc__ = doc
    return prop


def _make_enum_dict():
    return enum._EnumDict.__new__(enum._EnumDict)


def _fill_enum_dict(d, state):
    items, attrs = state
    dict.update(d, items)
    d.__dict__.update(attrs)


def _python_override(cls, name):
    """The Python function defining `name` first in cls's MRO, or None (a C slot or nothing)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            value = vars(klass)[name]
            return value if isinstance(value, types.FunctionType) else None
    return None


def _c_method(cls, name):
    """`name` as the nearest class in cls's MRO that does not define it in Python has it."""
    for klass in cls.__mro__:
        if name in vars(klass) and not isinstance(vars(klass)[name], types.FunctionType):
            return vars(klass)[name]
    return getattr(cls, name)


def _apply_state(obj, state):
    """What pickle's BUILD does with a state."""
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        obj.__dict__.update(state)
    for key, value in (slots or {}).items():
        setattr(obj, key, value)


def _raw_instance(cls):
    return object.__new__(cls)


def _set_raw_state(obj, state):
    # Through the C descriptors and the dict itself: the class's __setattr__ and __setstate__ are for
    # complete objects (a frozen dataclass refuses, a slots dataclass expects every field).
    attrs, members = state
    if attrs:
        object.__getattribute__(obj, "__dict__").update(attrs)
    for name, value in (members or {}).items():
        _member(type(obj), name).__set__(obj, value)


def _member(cls, name):
    """The __slots__ member descriptor `name` of cls, as attribute lookup finds it (the most derived)."""
    for klass in cls.__mro__:
        d = vars(klass).get(name)
        if type(d) is types.MemberDescriptorType:
            return d
    raise AttributeError(f"{cls.__qualname__} has no slot {name!r}")


def _fill_container(obj, packed):
    # The items go in through the container's C methods: a Python __setitem__ / append / extend
    # already did its work on them (Prices.__setitem__ converting euros to cents must not run twice).
    state, items, kind = packed
    if kind == "dict":
        setitem = _c_method(type(obj), "__setitem__")
        for key, value in items:
            setitem(obj, key, value)
    else:
        _c_method(type(obj), "extend")(obj, items)
    if state is not None:
        _apply_state(obj, state)


def _make_scanner(pattern, string, pos, endpos, index, must_advance):
    scanner = pattern.scanner(string, pos, endpos)
    if not _engine.scanner_set(scanner, index, must_advance):
        raise pickle.UnpicklingError("a re scanner could not be set to its position")
    return scanner


def _set_instance_dict(obj, state):
    object.__getattribute__(obj, "__dict__").update(state)


def _make_finalize(obj, func, args, kwargs, at_exit):
    fin = weakref.finalize(obj, func, *args, **kwargs)
    fin.atexit = at_exit
    return fin


def _dead_finalize():
    class _Gone:
        pass
    fin = weakref.finalize(_Gone(), int)  # its referent is gone at once: a finalizer that is not alive
    fin.detach()
    return fin


def _reopen_memmap(filename, dtype, mode, offset, shape, order):
    np = sys.modules.get("numpy") or importlib.import_module("numpy")
    return np.memmap(filename, dtype=dtype, mode=mode, offset=offset, shape=shape, order=order)


def _make_module(name, doc):
    return types.ModuleType(name, doc)


def _set_module_state(module, state):
    vars(module).update(state)


def _make_cmp_key(cmp, *obj):
    key = functools.cmp_to_key(cmp)
    return key(*obj) if obj else key


class _Dead:
    pass


def _make_weakref(target, callback):
    if target is None:  # the referent was already gone: a dead reference
        target = _Dead()
        ref = weakref.ref(target)
        del target
        return ref
    return weakref.ref(target, callback) if callback is not None else weakref.ref(target)


def _make_keyed_ref(target, callback, key):
    return weakref.KeyedRef(target, callback, key)


def _make_weak_method(method):
    if method is None:
        return _make_weakref(None, None)
    return weakref.WeakMethod(method)


def _make_weak_container(cls, items, state):
    container = cls()
    if cls is weakref.WeakSet or issubclass(cls, weakref.WeakSet):
        for item in items:
            container.add(item)
    else:
        for key, value in items:
            container[key] = value
    for key, value in (state or {}).items():
        setattr(container, key, value)
    return container


def _make_match(pattern, string, pos, endpos, regs):
    """A re.Match with the same spans, found again by the search that made it (match, search, or the
    n-th search of finditer from `pos`); failing that, a match at the same start (its .pos differs)."""
    start, end = regs[0]
    candidates = [pattern.search(string, pos, endpos), pattern.match(string, pos, endpos),
                  pattern.fullmatch(string, pos, endpos)]
    for m in candidates:
        if m is not None and m.regs == regs:
            return m
    scanner = pattern.scanner(string, pos, endpos)
    while True:
        m = scanner.search()
        if m is None or m.start() > start:
            break
        if m.regs == regs:
            return m
    for m in (pattern.match(string, start, endpos), pattern.fullmatch(string, start, end)):
        if m is not None and m.regs == regs:
            return m
    raise pickle.UnpicklingError(f"cannot find the match {string[start:end]!r} of {pattern!r} again")


def _ndarray_view(root, dtype, shape, strides, offset, writeable):
    np = sys.modules["numpy"]
    raw = root.reshape(-1, order="A").view(np.uint8)
    view = np.ndarray(shape, dtype, buffer=raw, offset=offset, strides=strides)
    if not writeable:
        view.flags.writeable = False
    return view


def _make_lru_cache(wrapped, maxsize, typed, attrs):
    wrapper = functools.lru_cache(maxsize=maxsize, typed=typed)(wrapped)
    wrapper.__dict__.update(attrs)
    return wrapper


class _KwdMark:
    """Stands for the C lru_cache's separator of positional and keyword arguments inside saved keys
    (an object() of that process); each process's own is put back at load."""

    def __reduce__(self):
        return _kwd_mark, ()


_KWD_MARK = _KwdMark()


def _kwd_mark():
    return _KWD_MARK


def _swap_mark(key, old, new):
    return tuple(new if k is old else k for k in key) if type(key) is tuple else key


def _fill_lru_cache(wrapper, state):
    entries, hits, misses = state
    current = _engine.lru_cache_state(wrapper)
    if current is not None:
        mark = current[3]
        _engine.lru_cache_fill(wrapper, [(_swap_mark(k, _KWD_MARK, mark), v) for k, v in entries], hits, misses)


def _make_typing(kind, name, args, kwargs, module, qualname):
    import typing
    obj = getattr(typing, kind)(name, *args, **kwargs)
    obj.__module__ = module
    if qualname is not None:
        obj.__qualname__ = qualname
    return obj


def _same_item(a, b):
    if a is b:
        return True
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(_same_item(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and type(a) in _ATOMIC and (a == b or a != a and b != b)


def _container_iterator(container, kinds, remaining):
    """An iterator of the same type over the same (restored) dict or set, advanced past what was
    consumed. If the container no longer yields the same remaining items in the same order (a set
    rebuilt with another internal order), a list iterator over the remaining items."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    if container is None:  # exhausted
        container = _EMPTY_CONTAINERS[kinds[0]]()
    for kind in kinds:
        def fresh(kind=kind):
            if kind in ("keys", "set", "okeys"):
                return iter(container)
            return iter(getattr(container, kind.lstrip("o"))())
        consumed = len(container) - len(remaining)
        if consumed < 0:
            break
        probe = fresh()
        for _ in range(consumed):
            next(probe, None)
        rest = list(probe)
        if len(rest) == len(remaining) and all(_same_item(a, b) for a, b in zip(rest, remaining)):
            it = fresh()
            for _ in range(consumed):
                next(it, None)
            return it
    return iter(remaining)




# ---------------------------------------------------------------- pickler
def _custom_new(cls):
    """True if a Python class in cls's MRO defines __new__ and none defines __getnewargs(_ex)__."""
    has_new = False
    for k in cls.__mro__:
        if k.__module__ == "builtins":
            continue
        d = vars(k)
        if "__getnewargs_ex__" in d or "__getnewargs__" in d or "__reduce_ex__" in d or "__reduce__" in d:
            return False
        if "__new__" in d:
            has_new = True
    return has_new


_PICKLING_HOOKS = ("__getnewargs_ex__", "__getnewargs__", "__reduce_ex__", "__reduce__")


def _value_base_past_new(cls):
    """The builtin value type (tuple, int, str, float, bytes, complex) under a class whose Python __new__
    is more derived than any pickling hook, or None. Pickle would call that __new__ at load time with the
    base's __getnewargs__ (a namedtuple subclass's __new__ with its fields): code of the program run
    again at resume, with arguments it may not even accept."""
    overridden = False
    for k in cls.__mro__:
        d = vars(k)
        if k.__module__ == "builtins":
            return k if overridden and "__getnewargs__" in d else None
        if overridden:
            continue  # a hook of a base (namedtuple's __getnewargs__) is for the base's __new__
        if any(hook in d for hook in _PICKLING_HOOKS):
            return None  # the class that writes __new__ also says how to pickle
        overridden = "__new__" in d
    return None


def _importable(obj, module_name, qualname):
    module = sys.modules.get(module_name)
    if module is None or module_name == "__main__" or "<locals>" in qualname:
        return False
    try:
        return _getattr_path(module, qualname) is obj
    except AttributeError:
        return False


def _module_preference(name):
    # Prefer public, short module names (numpy over numpy.core._multiarray_umath).
    return (any(part.startswith("_") for part in name.split(".")), name.count("."), len(name), name)


# Exact types that pickle's C code saves itself, fastest when reducer_override steps aside at once.
_PICKLE_NATIVE = frozenset({dict, list, tuple, set, frozenset, bytearray, pickle.PickleBuffer})
# dict views: `view.mapping` is a read-only proxy whose only referent is the dict itself.
_DICT_VIEWS = {type({}.keys()): "keys", type({}.values()): "values", type({}.items()): "items"}
_FILE_TYPES = (io.TextIOWrapper, io.BufferedReader, io.BufferedWriter, io.BufferedRandom, io.FileIO)
_STREAM_NAMES = ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")
_WEAK_CONTAINERS = (weakref.WeakValueDictionary, weakref.WeakKeyDictionary, weakref.WeakSet)
_WEAK_CONTAINER_INTERNALS = frozenset({"data", "_remove", "_pending_removals", "_iterating"})
_ABC_SKIPPED = frozenset({"_abc_impl"})
_CLASS_SKIPPED = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__", "__slots__"})


# Streams a host made to stand for the process's own (the kernel's stdout / stderr), by id.
_PROCESS_STREAMS = {}
# Objects of the host (the kernel's IPython shell, its magics) standing for their counterparts in
# whatever process loads the session, by key: a cell run through %%time or %run has them in its frames.
_HOST_OBJECTS = {}


def register_host_object(key, obj):
    """`obj` travels as `key` and is whatever this process registered under `key` at load."""
    _HOST_OBJECTS[key] = obj


def _host_object(key):
    obj = _HOST_OBJECTS.get(key)
    if obj is None:
        raise pickle.UnpicklingError(f"the session refers to {key}, which this process does not have "
                                     f"(it was saved in a Jupyter kernel)")
    return obj


def register_process_stream(name, stream):
    """`stream` stands for sys.<name> of whatever process the session resumes in."""
    _PROCESS_STREAMS[id(stream)] = (stream, name)


def is_process_stream(name, stream):
    """True when sys.<name> is `stream` as the process or its host set it up, not an object of the
    program (contextlib.redirect_stdout(io.StringIO()), a wrapper it assigned): those travel by value."""
    base = name.strip("_")
    return name.startswith("__") or stream is getattr(sys, f"__{base}__", None) or id(stream) in _PROCESS_STREAMS


def _persistent_ids(pickler):
    """Pickler.persistent_id: the program's namespace, NULL, __main__ and module namespaces travel by
    reference (Unpickler.persistent_load); every other object -> None. Later pairs win."""
    pairs = [(d, ("MODULE_DICT", name)) for name, m in list(sys.modules.items())
             if (d := getattr(m, "__dict__", None)) is not None and type(d) is dict and m is not pickler.main_module]
    if pickler.main_module is not None and getattr(pickler.main_module, "__dict__", None) is pickler.ns:
        pairs.append((pickler.main_module, ("MAIN",)))
    pairs += [(obj, ("HOST", key)) for key, obj in _HOST_OBJECTS.items()]
    pairs += [(NULL, ("NULL",)), (pickler.ns, ("NS",))]
    return _format.IdentityTable(pairs, sets=pickler.note_set)


_index_cache = [None, None]  # [len(sys.modules) when built, {id(value): (module, name)}]


def _attribute_index():
    """Where each attribute of an imported module lives (entries are checked again when used)."""
    if _index_cache[0] != len(sys.modules):
        index = {}
        names = sorted((n for n, m in list(sys.modules.items()) if m is not None and n != "__main__"),
                       key=_module_preference, reverse=True)  # the preferred module is written last
        for mod_name in names:
            d = getattr(sys.modules.get(mod_name), "__dict__", None)
            if isinstance(d, dict):
                for key, value in list(d.items()):
                    if isinstance(key, str) and not key.startswith("__"):
                        index[id(value)] = (mod_name, key)
        _index_cache[:] = [len(sys.modules), index]
    return _index_cache[1]


class Pickler(pickle.Pickler):
    """Protocol-5 pickler for a program's state; ``ns`` is the program's ``__main__`` namespace;
    ``placeholders`` maps ``id(obj)`` to a description (``"global 'db'"``) of objects to save as
    ``Unsaved`` placeholders (the caller keeps the objects alive while dumping)."""

    def __init__(self, file, ns, buffer_callback=None, placeholders=None, raw=frozenset()):
        super().__init__(file, protocol=5, buffer_callback=buffer_callback)
        self.ns = ns
        self.placeholders = placeholders if placeholders is not None else {}
        self.raw = raw  # ids of half-built objects (see half_built)
        self._enum_by_value = {}  # enum class -> its members are saved raw (see _by_value_enum)
        self.main_module = sys.modules.get("__main__")
        # Module namespaces (globals of library functions saved by value) travel by module name.
        self.module_dicts = {id(m.__dict__): name for name, m in list(sys.modules.items())
                             if getattr(m, "__dict__", None) is not None and m is not self.main_module}
        # The C pickler calls persistent_id for every object it saves (each int and str too): a C
        # identity lookup there, not a Python method, which made dumps ~3x plain pickle on small objects.
        self.persistent_id = _persistent_ids(self)
        self.streams = {key: name for key, (_, name) in _PROCESS_STREAMS.items()}
        for name in reversed(_STREAM_NAMES):  # sys.stdout before sys.__stdout__ when they are the same
            stream = getattr(sys, name, None)
            if stream is not None and is_process_stream(name, stream):
                self.streams[id(stream)] = name
        self.reducers = dict(_REDUCERS)
        np = sys.modules.get("numpy")
        if np is not None and hasattr(np, "ndarray"):
            self.reducers[np.ndarray] = Pickler._reduce_ndarray
        if np is not None and hasattr(np, "memmap"):
            self.reducers[np.memmap] = Pickler._reduce_memmap
        subprocess = sys.modules.get("subprocess")
        if subprocess is not None:
            self.reducers[subprocess.Popen] = Pickler._reduce_child_process
        self._plain_types = set()  # see reducer_override's fast path
        self.set_layouts = []       # (set, its table) to lay out again after loading, see note_set
        self._sets_seen = set()     # ids: persistent_id is asked again at each reference

    def note_set(self, s):
        """Called (by persistent_id) for each set or frozenset saved. pickle rebuilds one by adding its
        elements in iteration order; where that would lay it out differently (the table depends on the
        history of insertions and deletions), its table is kept to be put back after loading, so that
        it iterates in the same order (set_layout, set_relayout)."""
        if self._sets_seen is None or id(s) in self._sets_seen:
            return
        self._sets_seen.add(id(s))
        rebuilt = type(s)(list(s))
        if any(a is not b for a, b in zip(rebuilt, s)):
            self.set_layouts.append((s, _engine.set_layout(s)))

    def dump_set_layouts(self):
        """After dump(obj): the tables to put back, as a second pickle sharing the first one's memo."""
        if self.set_layouts:
            layouts, self.set_layouts, self._sets_seen = self.set_layouts, [], None
            self.dump(layouts)


    # ------------------------------------------------------------ the policy
    def reducer_override(self, obj):
        t = type(obj)
        if isinstance(t, enum.EnumMeta) and self._by_value_enum(t):
            return self._reduce_raw_member(obj, t)
        if self.raw and (id(obj) in self.raw or id(t) in self.raw):
            if isinstance(obj, type):
                return self._reduce_raw_class(obj)
            if id(t) in self.raw:
                return self._reduce_raw_member(obj, t)
            return self._reduce_raw(obj, t)
        # Fast path: a type whose instances got nothing but plain pickle's reduction (marked below) skips
        # the policy's type checks; the per-object ones (placeholders, streams, singletons) still apply.
        if t in self._plain_types and not self.placeholders and id(obj) not in self.streams \
                and id(obj) not in _SINGLETONS:
            try:
                return obj.__reduce_ex__(5)
            except Exception:  # noqa: BLE001 - the full policy below (module attribute rescue)
                pass
        if self.placeholders:
            what = self.placeholders.get(id(obj))
            if what is not None:
                return Unsaved, (_type_name(obj), what, None)
        if _registry:
            entry = _registered(t)
            if entry is not None:
                return _restore_registered, (entry[1], entry[0](obj), _type_name(obj))
        if t in _PICKLE_NATIVE:
            return NotImplemented
        stream = self.streams.get(id(obj))
        if stream is not None:
            return _std_stream, (stream,)
        reducer = self.reducers.get(t)
        if reducer is not None:
            return reducer(self, obj)
        for base, reducer in _SUBCLASS_REDUCERS:
            if isinstance(obj, base):
                return reducer(self, obj)
        singleton = _SINGLETONS.get(id(obj))
        if singleton is not None and singleton[0] is obj:
            return singleton[1]
        rv = self._reduce_other(obj, t)
        if isinstance(rv, tuple) and rv[:1] not in ((_module_attribute,), (_new_of_base,)) and \
                rv[5:] not in ((_fill_container,), (_set_instance_dict,)) and \
                not (t.__module__ == "__main__" and _custom_new(t)):
            self._plain_types.add(t)
        return rv

    def _reduce_raw(self, obj, t):
        if self.placeholders and id(obj) in self.placeholders:
            return Unsaved, (_type_name(obj), self.placeholders[id(obj)], None)
        try:
            attrs = object.__getattribute__(obj, "__dict__")
        except AttributeError:
            attrs = None
        members = {}
        for klass in t.__mro__:
            for name, d in vars(klass).items():
                if type(d) is types.MemberDescriptorType and name not in members and _member(t, name) is d:
                    try:
                        members[name] = d.__get__(obj, klass)
                    except AttributeError:  # not assigned yet
                        pass
        return _raw_instance, (t,), (attrs and dict(attrs), members or None), None, None, _set_raw_state

    def _by_value_enum(self, cls):
        """True for an enum class of the program that _reduce_class saves as it is: its members are saved
        as they are too (Enum.__reduce_ex__ would look them up by value in the class being loaded)."""
        known = self._enum_by_value.get(cls)
        if known is None:
            known = _raw_member_type(cls) and not _importable(cls, cls.__module__, cls.__qualname__) and (
                cls.__module__ == "__main__" or self._module_attribute(cls) is None)
            self._enum_by_value[cls] = known
        return known

    def _reduce_raw_class(self, cls):
        # An enum class its metaclass's __new__ has made but not finished (half_built): its dict as it is,
        # set back without EnumType.__new__, __set_name__ or __setattr__ (the resumed __new__ finishes it).
        creation = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        state = {k: v for k, v in cls.__dict__.items()
                 if k not in ("__module__", "__qualname__", "__dict__", "__weakref__")}
        return _make_raw_class, (type(cls), cls.__name__, cls.__bases__, creation), state, None, None, \
            _set_raw_class_state

    def _reduce_raw_member(self, obj, cls):
        # A member of such a class: its data type's value and its __dict__, not Enum's __reduce_ex__ (which
        # looks the member up in the class being rebuilt).
        member_type = _raw_member_type(cls)
        payload = None if member_type is object else _RAW_PAYLOAD[member_type](obj)
        attrs = dict(object.__getattribute__(obj, "__dict__"))
        return _raw_member, (cls, member_type, payload), (attrs, None), None, None, _set_raw_state

    def _reduce_other(self, obj, t):
        """Plain pickle's way (copyreg.dispatch_table, __reduce_ex__), with two rescues: a by-value class
        whose __new__ needs arguments, and an unpicklable object that is a module attribute."""
        if t in (getattr(self, "dispatch_table", None) or copyreg.dispatch_table):
            return NotImplemented
        try:
            rv = obj.__reduce_ex__(5)
        except Exception:
            where = self._module_attribute(obj)
            if where is not None:
                return _module_attribute, where
            raise
        if t.__module__ == "__main__" and isinstance(rv, tuple) and rv and rv[0] is copyreg.__newobj__ \
                and tuple(rv[1]) == (t,) and _custom_new(t):
            rv = (_new_instance, (t,)) + tuple(rv[2:])
        if isinstance(rv, tuple) and len(rv) >= 2 and rv[0] is copyreg.__newobj__ and len(rv[1]) > 1:
            base = _value_base_past_new(t)
            if base is not None:
                rv = (_new_of_base, (t, base, base.__getnewargs__(obj))) + tuple(rv[2:])
        if isinstance(rv, tuple) and len(rv) >= 3 and rv[0] is copyreg.__newobj__ and isinstance(rv[2], dict) \
                and (len(rv) < 4 or rv[3] is None) and (len(rv) < 5 or rv[4] is None) and \
                _python_override(t, "__getattr__") and not hasattr(t, "__setstate__"):
            # pickle looks __setstate__ up on the instance: a delegating __getattr__ then runs on an
            # object without its attributes (RecursionError, KeyError). The state goes into __dict__.
            return rv[:2] + (rv[2], None, None, _set_instance_dict)
        if isinstance(rv, tuple) and len(rv) == 5 and rv[0] in (copyreg.__newobj__, t):
            # A default reduction (not one the class wrote) would put the items back with obj[k] = v /
            # obj.extend(items): through a Python override, which already transformed them once.
            if rv[4] is not None and isinstance(obj, dict) and _python_override(t, "__setitem__"):
                return rv[:2] + ((rv[2], list(rv[4]), "dict"), None, None, _fill_container)
            if rv[3] is not None and isinstance(obj, list) and \
                    (_python_override(t, "extend") or _python_override(t, "append")):
                return rv[:2] + ((rv[2], list(rv[3]), "list"), None, None, _fill_container)
        return rv

    def _module_attribute(self, obj):
        """(module, name) of an imported module's attribute that is `obj` (not __main__), or None."""
        where = _attribute_index().get(id(obj))
        if where is None:
            return None
        module = sys.modules.get(where[0])
        return where if module is not None and getattr(module, where[1], None) is obj else None

    # ------------------------------------------------------------ by-value reducers
    def _reduce_function(self, func):
        if func.__globals__ is not self.ns:
            if _importable(func, func.__module__, func.__qualname__):
                return NotImplemented  # by reference, as plain pickle does
            where = self._module_attribute(func)
            if where is not None:
                return _module_attribute, where  # imported under another name (decorators, aliases)
        state = {
            "__defaults__": func.__defaults__,
            "__kwdefaults__": func.__kwdefaults__,
            "__qualname__": func.__qualname__,
            "__module__": func.__module__,
            "__annotations__": func.__annotations__,
            "__doc__": func.__doc__,
            "__dict__": func.__dict__,
        }
        return (_make_function, (func.__code__, func.__globals__, func.__name__, func.__closure__),
                state, None, None, _set_function_state)

    def _reduce_class(self, cls):
        if _importable(cls, cls.__module__, cls.__qualname__) or cls.__module__ == "builtins":
            return NotImplemented
        where = self._module_attribute(cls) if cls.__module__ != "__main__" else None
        if where is not None:
            return _module_attribute, where  # a library class known under another name
        if isinstance(cls, enum.EnumMeta):
            # As it is (members with their attributes, the program's later changes), without running the
            # members' __init__ again; rebuilt by the metaclass only for data types saved no other way.
            if _raw_member_type(cls):
                return self._reduce_raw_class(cls)
            return self._reduce_enum(cls)
        if not isinstance(cls.__dict__, types.MappingProxyType):
            return NotImplemented
        slots = cls.__dict__.get("__slots__")
        creation = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        if slots is not None:
            creation["__slots__"] = slots
        if "__orig_bases__" in cls.__dict__:
            creation["__orig_bases__"] = cls.__dict__["__orig_bases__"]  # typing.Generic's __init_subclass__
        if "__abstractmethods__" in cls.__dict__:
            creation[_ABSTRACT] = cls.__abstractmethods__
        slot_names = {slots} if isinstance(slots, str) else set(slots or ())
        state = {}
        for key, value in cls.__dict__.items():
            if key in _CLASS_SKIPPED or key in _ABC_SKIPPED:
                continue
            if key in slot_names and type(value).__name__ == "member_descriptor":
                continue
            state[key] = value
        if "_abc_impl" in cls.__dict__:
            # Virtual subclasses registered with ABC.register() live in the C-level _abc_impl.
            registered = [r() for r in _abc._get_dump(cls)[0]]
            registered = [k for k in registered if k is not None]
            if registered:
                state[_ABC_REGISTERED] = registered
        return _make_class, (type(cls), cls.__name__, cls.__bases__, creation), state, None, None, _set_class_state

    def _reduce_enum(self, cls):
        members = [(name, member._value_) for name, member in cls.__members__.items()]
        attrs = {}
        for key, value in cls.__dict__.items():
            if key in cls.__members__ or (key.startswith("_") and key.endswith("_")):
                # EnumType's own bookkeeping (_member_map_, _flag_mask_...) is made again by the metaclass;
                # the program's hooks (__repr__, _missing_, _generate_next_value_...) go in again
                func = getattr(value, "__func__", value)
                if not (isinstance(func, types.FunctionType) and func.__module__ == cls.__module__):
                    continue
            if key in ("__module__", "__qualname__", "__dict__", "__weakref__", "__doc__"):
                continue
            attrs[key] = value
        creation = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        if cls.__doc__ is not None and "__doc__" in cls.__dict__:
            creation["__doc__"] = cls.__doc__
        return _make_enum, (type(cls), cls.__name__, cls.__bases__, creation, members, attrs)

    def _reduce_code(self, code):
        return _load_code, (marshal.dumps(code),)

    def _reduce_cell(self, cell):
        try:
            value = cell.cell_contents
        except ValueError:
            return _make_cell, ()
        return _make_cell, (), (value,), None, None, _set_cell_value

    def _reduce_module(self, module):
        for name, imported in list(sys.modules.items()):
            if imported is module:
                return importlib.import_module, (name,)
        if getattr(module, "__spec__", None) is not None or hasattr(module, "__file__"):
            return importlib.import_module, (module.__name__,)  # loaded from a file: imported again
        # Made at run time (types.ModuleType("config")), not imported: by value.
        state = {k: v for k, v in vars(module).items() if k not in ("__builtins__", "__name__", "__doc__")}
        return _make_module, (module.__name__, module.__doc__), state, None, None, _set_module_state

    def _reduce_property(self, prop):
        return property, (prop.fget, prop.fset, prop.fdel, prop.__doc__)

    def _reduce_traceback(self, tb):
        return _make_traceback, (tb.tb_next, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)

    def _reduce_frame(self, frame):
        # A stand-in with the same code, globals and position: enough for a finished frame (a traceback's,
        # or one a program holds; safe_point.cpp admits no other kind), and the object that a frame of the
        # captured chain adopts at restore (the chain lists it, frame_engine.hpp).
        return _engine.make_frame, (frame.f_code, frame.f_globals, max(frame.f_lasti, 0) // 2)

    def _reduce_pairwise(self, p):
        state = _engine.pairwise_state(p)
        if state is None:
            return self._reduce_other(p, type(p))
        return _make_pairwise, state

    def _reduce_memoryview(self, view):
        if view.obj is not None and not view.c_contiguous:
            raise pickle.PicklingError("a non-contiguous memoryview cannot be saved")
        whole = memoryview(view.obj) if view.obj is not None else None
        if whole is not None and whole.nbytes == view.nbytes and whole.readonly == view.readonly:
            # A view of the whole object: rebuilt over the same (shared) object.
            return _make_memoryview, (view.obj, view.format, view.shape)
        if view.readonly:
            return _make_memoryview, (view.tobytes(), view.format, view.shape)
        raise pickle.PicklingError("a writable memoryview of part of an object cannot be saved")

    def _reduce_positions_iterator(self, it):
        # traceback._get_code_position holds code.co_positions() in a local.
        state = _engine.positions_state(it)
        if state is None:
            return self._reduce_other(it, type(it))
        return _make_positions_iterator, state

    def _reduce_getset_descriptor(self, d):
        # A class's `__dict__`/`__weakref__` descriptors (dataclasses copy cls.__dict__) and C types'
        # getsets: looked up again in the (restored) class, which creates its own.
        return _class_attribute, (d.__objclass__, d.__name__)

    def _reduce_dict_view(self, view):
        return _dict_view, (gc.get_referents(view.mapping)[0], _DICT_VIEWS[type(view)])

    def _reduce_named_int_constant(self, const):
        return _module_attribute, (type(const).__module__, const.name)

    def _reduce_mappingproxy(self, proxy):
        # A view of its mapping, which goes with it (singledispatch's registry is one): not a copy.
        inner = [o for o in gc.get_referents(proxy) if isinstance(o, collections.abc.Mapping)]
        return _make_mappingproxy, (inner[0] if len(inner) == 1 else dict(proxy),)

    def _reduce_enum_dict(self, d):
        # An enum class body's namespace (EnumType.__prepare__). Its items go in with dict's own
        # __setitem__: _EnumDict.__setitem__ validates and records members, which it already did.
        return _make_enum_dict, (), (dict(d), dict(vars(d))), None, None, _fill_enum_dict

    def _reduce_static_or_class_method(self, m):
        return type(m), (m.__func__,)

    def _reduce_field_sentinel(self, obj):
        return _dataclasses_sentinel, (obj.name,)

    def _reduce_cached_property(self, prop):
        return _make_cached_property, (prop.func, prop.attrname, prop.__doc__)

    def _reduce_cmp_key(self, key):
        # gc referents of a KeyWrapper: its type, the cmp function, and the wrapped object if any.
        refs = [r for r in gc.get_referents(key) if r is not type(key)]
        return _make_cmp_key, tuple(refs)

    def _reduce_weakref(self, ref):
        return _make_weakref, (ref(), ref.__callback__)

    def _reduce_keyed_ref(self, ref):
        target = ref()
        if target is None:
            return _make_weakref, (None, None)
        return _make_keyed_ref, (target, ref.__callback__, ref.key)

    def _reduce_weak_method(self, ref):
        return _make_weak_method, (ref(),)

    def _reduce_weak_container(self, container):
        items = list(container) if isinstance(container, weakref.WeakSet) else list(container.items())
        state = {k: v for k, v in vars(container).items() if k not in _WEAK_CONTAINER_INTERNALS}
        return _make_weak_container, (type(container), items, state or None)

    def _reduce_match(self, m):
        return _make_match, (m.re, m.string, m.pos, m.endpos, m.regs)

    def _reduce_lru_cache(self, wrapper):
        # By value when it cannot be imported by name, with its entries and statistics.
        if _importable(wrapper, wrapper.__module__, wrapper.__qualname__):
            return NotImplemented
        params = wrapper.cache_parameters()
        attrs = {k: v for k, v in wrapper.__dict__.items() if k != "__wrapped__"}
        rv = (_make_lru_cache, (wrapper.__wrapped__, params["maxsize"], params["typed"], attrs))
        state = _engine.lru_cache_state(wrapper)
        if state is None:
            return rv  # an unexpected layout: the cache starts empty again
        entries, hits, misses, mark = state
        entries = [(_swap_mark(k, mark, _KWD_MARK), v) for k, v in entries]
        return rv + ((entries, hits, misses), None, None, _fill_lru_cache)

    def _reduce_typevar(self, tv):
        if _importable(tv, tv.__module__, tv.__name__):
            return NotImplemented
        kwargs = {"covariant": tv.__covariant__, "contravariant": tv.__contravariant__}
        if tv.__bound__ is not None:
            kwargs["bound"] = tv.__bound__
        args = tuple(getattr(tv, "__constraints__", None) or ())
        return _make_typing, (type(tv).__name__, tv.__name__, args, kwargs, tv.__module__, None)

    def _reduce_newtype(self, nt):
        if _importable(nt, nt.__module__, nt.__qualname__):
            return NotImplemented
        return _make_typing, ("NewType", nt.__name__, (nt.__supertype__,), {}, nt.__module__, nt.__qualname__)

    def _reduce_container_iterator(self, it):
        kind = _CONTAINER_ITERATORS[type(it)]
        remaining = it.__reduce__()[1][0]  # a copy: `it` is not advanced
        want = (set, frozenset) if kind == "set" else dict
        container = next((r for r in gc.get_referents(it) if isinstance(r, want)), None)
        return _container_iterator, (container, kind, remaining)

    def _reduce_builtin_callable(self, obj):
        # np.random.beta is a bound method of numpy's global RandomState: by reference, like a function.
        where = self._module_attribute(obj)
        if where is not None:
            return _module_attribute, where
        return self._reduce_other(obj, type(obj))

    def _reduce_method(self, method):
        where = self._module_attribute(method)
        if where is not None:
            return _module_attribute, where
        # Not plain pickle's getattr(self, name): that finds the most derived override, while a method
        # bound through super() (on a frame's stack in `super().__init__(...)`) is a base class's.
        return _make_method, (method.__func__, method.__self__)

    def _reduce_lock(self, lock):
        # A suspend is refused while other threads run (session.py), so a held lock is held by the
        # main thread - the one that resumes - or was left held by a thread that ended.
        return _make_lock, (lock.locked(),)

    def _reduce_rlock(self, lock):
        if lock._is_owned():
            return _make_rlock, (rlock_count(lock),)
        if not lock.acquire(False):
            raise TypeError("cannot save an RLock held by a thread other than the main one")
        lock.release()
        return _make_rlock, (0,)

    def _reduce_csv(self, obj):
        # Between rows (the only state a safe point sees) a reader or writer is its dialect, its
        # input iterator or output `write`, and the line count: its C referents besides the
        # dialect, the current row's field list and the classes are exactly that one object.
        dialect = {k: getattr(obj.dialect, k) for k in _CSV_DIALECT}
        inner = [o for o in gc.get_referents(obj) if o is not obj.dialect and not isinstance(o, (type, list))]
        if len(inner) != 1:
            raise TypeError(f"cannot save a {_type_name(obj)} whose input or output is unknown")
        if isinstance(obj, _CSV_WRITER):
            return _make_csv_writer, (inner[0], dialect)
        return _make_csv_reader, (inner[0], dialect, obj.line_num)

    def _reduce_scanner(self, scanner):
        # re.finditer's iterator (a callable_iterator over scanner.search): the position of the next search.
        state = _engine.scanner_state(scanner)
        if state is None:
            raise TypeError("cannot pickle '_sre.SRE_Scanner' object (over a mutable buffer, or searching)")
        return _make_scanner, state

    def _reduce_struct(self, s):
        return struct.Struct, (s.format,)

    def _reduce_thread_local(self, local):
        if type(local) is not _thread._local:
            return self._reduce_other(local, type(local))
        return _make_thread_local, (dict(local.__dict__),)

    def _reduce_finalize(self, fin):
        # Registered again in the resuming process (the registry is weakref's), so that it still runs
        # when its object dies or at exit (TemporaryDirectory cleans up through one).
        state = fin.peek()
        if state is None:
            return _dead_finalize, ()
        obj, func, args, kwargs = state
        return _make_finalize, (obj, func, args, kwargs or {}, fin.atexit)

    def _reduce_memmap(self, mm):
        # A memmap of its own file is reopened on it (writes after the resume reach the file); a view
        # of another array, a copy-on-write map or an anonymous one travels as data.
        import mmap
        if not isinstance(mm.base, mmap.mmap) or mm.filename is None or mm.mode not in ("r", "r+", "w+"):
            return NotImplemented
        mm.flush()
        order = "F" if mm.flags.f_contiguous and not mm.flags.c_contiguous else "C"
        mode = "r+" if mm.mode == "w+" else mm.mode  # never truncate what was written
        return _reopen_memmap, (mm.filename, mm.dtype, mode, mm.offset, mm.shape, order)

    def _reduce_child_process(self, p):
        # A finished one is data (its returncode, its arguments); a running one is a process this
        # snapshot cannot carry, like a socket.
        if p.poll() is None:
            raise TypeError(f"cannot save a running child process (pid {p.pid})")
        return self._reduce_other(p, type(p))

    def _reduce_thread(self, thread):
        if thread is threading.main_thread():
            return threading.main_thread, ()
        if thread.is_alive():
            raise TypeError("cannot save a running thread (only the main thread is captured)")
        return self._reduce_other(thread, type(thread))

    def _reduce_unsaved(self, obj):
        return obj.__reduce_ex__(5)

    def _reduce_ndarray(self, a):
        """A view of another array is rebuilt as a view of its root array (which saves out-of-band):
        sharing survives and non-contiguous slices are not copied. Other arrays: numpy's reducer
        (contiguous data out-of-band as a PickleBuffer, object arrays in-band)."""
        np = sys.modules["numpy"]
        root = a.base
        if type(root) is not np.ndarray or a.dtype.hasobject:
            return NotImplemented
        while type(root.base) is np.ndarray:
            root = root.base
        if root.base is not None and not isinstance(root.base, (bytes, bytearray, memoryview, pickle.PickleBuffer)) \
                or root.dtype.hasobject or not (root.flags.c_contiguous or root.flags.f_contiguous):
            return NotImplemented
        offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return _ndarray_view, (root, a.dtype, a.shape, a.strides, offset, bool(a.flags.writeable))

    def _reduce_generator(self, gen):
        if getattr(gen, "gi_code", None) in _DESCRIPTOR_WALKS:
            raise TypeError("an os.fwalk() walk in progress holds directory descriptors of this process")
        state = _engine.gen_capture(gen)
        func = state[0]
        if func is None:
            return _finished_generator, (_GENERATOR_KINDS[type(gen)],)
        if state[5] == _FRAME_EXECUTING:
            # Running: its frame is on the captured chain, and the resume fills this shell with it.
            return _make_generator_shell, (func,)
        return _make_generator_shell, (func,), state, None, None, _restore_generator

    def _reduce_context_var(self, var):
        # The variable with its value in the running context, which the resumed program runs in too:
        # var.set() at load. A library's variable (a module attribute) is looked up again by name.
        current = contextvars.copy_context()
        value = current[var] if var in current else NULL
        where = self._module_attribute(var)
        if where is not None:
            return _context_var_at, (*where, value)
        try:
            default = contextvars.Context().run(var.get)  # unset there: the default, if any
        except LookupError:
            default = NULL
        return _make_context_var, (var.name, default, value)

    def _reduce_scandir(self, it):
        if _engine.scandir_closed(it):
            return _closed_scandir, ()
        rest = _engine.scandir_rest(it)
        if rest is None:
            raise TypeError("an os.scandir() iterator of a file descriptor cannot be saved while it reads")
        return _ResumedScandir, rest

    def _reduce_dir_entry(self, entry):
        def probe(check):
            try:
                return check()
            except OSError:
                return None
        saved = (probe(entry.is_dir), probe(entry.is_file), probe(entry.is_symlink), probe(entry.inode))
        return _dir_entry, (entry.path, entry.name, saved)

    def _reduce_context(self, ctx):
        return _make_context, (list(ctx.items()),)

    def _reduce_exception(self, exc):
        attrs = getattr(exc, "__dict__", None) or None
        state = (attrs, exc.__context__, exc.__cause__, exc.__suppress_context__, exc.__traceback__)
        return _make_exception, (type(exc), exc.args), state, None, None, _set_exception_state

    def _reduce_file(self, f):
        raw_name = getattr(f, "name", None)
        mode = getattr(f, "mode", None)
        if mode is None and isinstance(f, io.TextIOWrapper):
            # A TextIOWrapper over a buffer has no .mode until one is set (tokenize.open sets it after
            # construction): the buffer's mode without "b".
            mode = getattr(f.buffer, "mode", "rb")
            mode = mode.replace("b", "") if isinstance(mode, str) else None
        if f.closed:  # whatever it was a stream over (a finished `with gzip.open(...) as f`)
            return _reopen_file, (raw_name, mode if isinstance(mode, str) else None, 0, True, None)
        inner = f.buffer if isinstance(f, io.TextIOWrapper) else f
        inner = inner.raw if isinstance(inner, (io.BufferedReader, io.BufferedWriter, io.BufferedRandom)) else inner
        if not isinstance(inner, io.FileIO):  # gzip.open(..., "wt"), a TextIOWrapper over BytesIO...
            raise pickle.PicklingError(f"a stream over {_type_name(inner)} is not a regular file")
        if not isinstance(raw_name, str) or not os.path.isfile(raw_name):
            raise pickle.PicklingError(f"open file {raw_name!r} is not a regular file")
        if f.writable():
            f.flush()
        try:
            position = f.tell()
        except OSError:
            position = _iterated_text_position(f, raw_name)
        text = None
        if isinstance(f, io.TextIOWrapper):
            text = {"encoding": f.encoding, "errors": f.errors}
            newline = _engine.text_newline(f)
            if newline is not None:  # csv's newline="" must stay: it changes what reading returns
                text["newline"] = newline[0]
        return _reopen_file, (os.path.abspath(raw_name), mode, position, False, text)


_REDUCERS = {
    types.CodeType: Pickler._reduce_code,
    types.FunctionType: Pickler._reduce_function,
    types.CellType: Pickler._reduce_cell,
    types.GeneratorType: Pickler._reduce_generator,
    types.CoroutineType: Pickler._reduce_generator,
    types.AsyncGeneratorType: Pickler._reduce_generator,
    types.ModuleType: Pickler._reduce_module,
    type: Pickler._reduce_class,
    property: Pickler._reduce_property,
    types.TracebackType: Pickler._reduce_traceback,
    types.FrameType: Pickler._reduce_frame,
    itertools.pairwise: Pickler._reduce_pairwise,
    memoryview: Pickler._reduce_memoryview,
    types.GetSetDescriptorType: Pickler._reduce_getset_descriptor,
    type((lambda: None).__code__.co_positions()): Pickler._reduce_positions_iterator,
    types.MappingProxyType: Pickler._reduce_mappingproxy,
    staticmethod: Pickler._reduce_static_or_class_method,
    classmethod: Pickler._reduce_static_or_class_method,
    dataclasses._FIELD_BASE: Pickler._reduce_field_sentinel,
    functools.cached_property: Pickler._reduce_cached_property,
    type(functools.cmp_to_key(len)): Pickler._reduce_cmp_key,
    weakref.ref: Pickler._reduce_weakref,
    weakref.KeyedRef: Pickler._reduce_keyed_ref,
    weakref.WeakMethod: Pickler._reduce_weak_method,
    weakref.finalize: Pickler._reduce_finalize,
    re.Match: Pickler._reduce_match,
    Unsaved: Pickler._reduce_unsaved,
    functools._lru_cache_wrapper: Pickler._reduce_lru_cache,
    types.BuiltinFunctionType: Pickler._reduce_builtin_callable,
    types.MethodType: Pickler._reduce_method,
    enum._EnumDict: Pickler._reduce_enum_dict,
    _thread.LockType: Pickler._reduce_lock,
    _thread.RLock: Pickler._reduce_rlock,
    _thread._local: Pickler._reduce_thread_local,
    struct.Struct: Pickler._reduce_struct,
    type(re.compile("").scanner("")): Pickler._reduce_scanner,
    contextvars.ContextVar: Pickler._reduce_context_var,
    contextvars.Context: Pickler._reduce_context,
    os.DirEntry: Pickler._reduce_dir_entry,
}
with os.scandir(os.sep) as _scandir_it:
    _REDUCERS[type(_scandir_it)] = Pickler._reduce_scandir
_CSV_WRITER = type(csv.writer(io.StringIO()))
_REDUCERS[_CSV_WRITER] = _REDUCERS[type(csv.reader(()))] = Pickler._reduce_csv
_REDUCERS.update({view_type: Pickler._reduce_dict_view for view_type in _DICT_VIEWS})
# Iterators over dicts and sets keep their type (plain pickle turns them into list iterators).
_EMPTY_CONTAINERS = {"keys": dict, "values": dict, "items": dict, "set": set,
                     "okeys": collections.OrderedDict, "ovalues": collections.OrderedDict,
                     "oitems": collections.OrderedDict}
_CONTAINER_ITERATORS = {type(iter({})): "keys", type(iter({}.values())): "values", type(iter({}.items())): "items",
                        type(iter(set())): "set",
                        type(iter(collections.OrderedDict())): ("okeys", "ovalues", "oitems")}  # one odict type
_REDUCERS.update({t: Pickler._reduce_container_iterator for t in _CONTAINER_ITERATORS})
_REDUCERS.update({file_type: Pickler._reduce_file for file_type in _FILE_TYPES})
try:
    import re._constants as _re_constants
    _REDUCERS[_re_constants._NamedIntConstant] = Pickler._reduce_named_int_constant
except (ImportError, AttributeError):  # pragma: no cover - other CPython minor versions
    pass

try:
    import typing as _typing
    _REDUCERS[_typing.TypeVar] = Pickler._reduce_typevar
    _REDUCERS[_typing.ParamSpec] = Pickler._reduce_typevar
    _REDUCERS[_typing.NewType] = Pickler._reduce_newtype
except (ImportError, AttributeError):  # pragma: no cover
    pass

# Checked with isinstance, in order, when the exact type has no reducer.
_SUBCLASS_REDUCERS = (
    (BaseException, Pickler._reduce_exception),
    (type, Pickler._reduce_class),  # classes of any metaclass
    (_WEAK_CONTAINERS, Pickler._reduce_weak_container),
    (_FILE_TYPES, Pickler._reduce_file),
    (threading.Thread, Pickler._reduce_thread),
)

# Module-level singletons that must stay the same object: by reference.
_SINGLETONS = {id(obj): (obj, reduced) for obj, reduced in (
    (dataclasses.MISSING, (_dataclasses_sentinel, ("MISSING",))),
    (getattr(dataclasses, "KW_ONLY", None), (_dataclasses_sentinel, ("KW_ONLY",))),
    (random._inst, (_random_instance, ())),
    # auto()'s "no value yet" marker, compared by identity (_EnumDict.__setitem__)
    (getattr(enum, "_auto_null", None), (_module_attribute, ("enum", "_auto_null"))),
) if obj is not None}


def _iterated_text_position(f, path):
    """Byte position of a text file being read by `for line in f` (where f.tell() is disabled): what the
    buffer has consumed minus what the decoder holds (partial characters, a carriage return waiting for
    its line feed) and the text the wrapper decoded but did not hand out yet. Verified against the file's
    bytes, else the file cannot be saved."""
    state = _engine.text_reader_state(f)
    if state is None:
        raise pickle.PicklingError(f"cannot tell the position of {path!r} while it is being iterated")
    rest, decoder = state
    pending, held_cr = b"", False
    if decoder is not None:
        pending, flags = decoder.getstate()
        held_cr = isinstance(decoder, io.IncrementalNewlineDecoder) and bool(flags & 1)
    encoder = codecs.getincrementalencoder(f.encoding)(f.errors)
    encoder.encode("")  # past a byte-order mark (utf-8-sig): the decoder consumed the file's already
    encoded = encoder.encode(rest)
    end = f.buffer.tell() - len(pending) - (len(encoder.encode("\r")) if held_cr else 0)
    # With newline=None each "\n" of `rest` was "\n", "\r" or "\r\n" in the file: its bytes are the
    # longest run before `end` that decodes, lines translated, to `rest` (a stateless encoding).
    translated = _engine.text_newline(f) == (None,)
    longest = len(encoded) + (rest.count("\n") if translated else 0)
    with open(path, "rb") as check:
        check.seek(max(end - longest, 0))
        window = check.read(end - max(end - longest, 0))
    if len(window) == end - max(end - longest, 0):
        for size in range(min(longest, end), len(encoded) - 1, -1):
            raw = window[len(window) - size:]
            if raw == encoded or translated and _translated(raw, f) == rest:
                return end - size
    raise pickle.PicklingError(f"cannot tell the position of {path!r} while it is being iterated "
                               "(a stateful encoding)")


def _translated(raw, f):
    decoder = io.IncrementalNewlineDecoder(codecs.getincrementaldecoder(f.encoding)(f.errors), translate=True)
    try:
        return decoder.decode(raw, final=True)
    except UnicodeDecodeError:  # started inside a character
        return None


class Unpickler(pickle.Unpickler):
    def __init__(self, file, ns, buffers=None):
        super().__init__(file, buffers=buffers)
        self.ns = ns

    def persistent_load(self, pid):
        kind = pid[0]
        if kind == "NS":
            return self.ns
        if kind == "NULL":
            return NULL
        if kind == "MAIN":
            return sys.modules["__main__"]
        if kind == "MODULE_DICT":
            return _module_dict(pid[1])
        if kind == "HOST":
            return _host_object(pid[1])
        raise pickle.UnpicklingError(f"unknown persistent reference {pid!r}")


_CO_OPTIMIZED = 0x0001  # Include/cpython/code.h


def _enum_in_construction(localsplus):
    """The enum classes an EnumType __new__ frame has made and not returned (safe_point.cpp
    holds_new_class: instances of the metaclass that are no base of the class being built), when their
    members can be saved raw."""
    meta = cell_value(localsplus[0])
    if not (isinstance(meta, type) and issubclass(meta, enum.EnumType)):
        return []
    bases = cell_value(localsplus[2])
    bases = bases if isinstance(bases, tuple) else ()
    found = []
    for v in localsplus[1:]:
        v = cell_value(v)
        if v is NULL or not isinstance(v, meta) or any(isinstance(b, type) and issubclass(b, v) for b in bases):
            continue
        if _raw_member_type(v):
            found.append(v)
    return found


def half_built(frames):
    """ids of the objects whose __init__ is running in `frames` (the engine's frame tuples) and whose class
    has a Python __reduce__ / __reduce_ex__ / __getstate__: those hooks expect a complete object. The
    engine captured the chain only because the class's layout is plain (safe_point.cpp, half_built)."""
    ids = set()
    for func, code, lasti, localsplus, *_ in frames or ():
        if code.co_name == "__new__" and code.co_argcount >= 3 and code.co_flags & _CO_OPTIMIZED:
            ids.update(id(c) for c in _enum_in_construction(localsplus))
        if code.co_name != "__init__" or code.co_argcount < 1 or not code.co_flags & _CO_OPTIMIZED:
            continue
        obj = cell_value(localsplus[0])
        t = type(obj)
        if obj is not NULL and _engine.plain_layout(t) and \
                any(_python_override(t, name) for name in ("__reduce__", "__reduce_ex__", "__getstate__")):
            ids.add(id(obj))
    return frozenset(ids)


def dumps(obj, ns, buffer_callback=None, placeholders=None, raw=frozenset()):
    """Pickles `obj` (protocol 5). `buffer_callback` receives the out-of-band buffers (numpy arrays...);
    `placeholders` ({id(obj): description}) saves those objects as ``Unsaved`` placeholders; `raw`
    (``half_built``) those as their raw state."""
    out = io.BytesIO()
    pickler = Pickler(out, ns, buffer_callback=buffer_callback, placeholders=placeholders, raw=raw)
    pickler.dump(obj)
    pickler.dump_set_layouts()
    return out.getbuffer()


def loads(data, ns, buffers=None):
    """Unpickles; the namespace `ns` only gets the early bindings of ``early_bindings``, and loses
    them again if the load fails."""
    journal = []
    _journals.append(journal)
    _DIR_SCANS.clear()
    try:
        stream = io.BytesIO(data)
        unpickler = Unpickler(stream, ns, buffers=buffers)
        obj = unpickler.load()
        if stream.tell() < len(data):
            for s, layout in unpickler.load():
                _engine.set_relayout(s, *layout)  # False (the elements hash otherwise here): as loaded
        return obj
    except BaseException:
        for target, name, old in reversed(journal):
            if old is NULL:
                target.pop(name, None)
            else:
                target[name] = old
        raise
    finally:
        _journals.pop()
        _DIR_SCANS.clear()


# ---------------------------------------------------------------- early bindings of the namespace
_journals = []  # one per loads() in progress: (ns, name, previous value or NULL) of each early binding


def _bind_global(ns, name, value):
    if _journals:
        _journals[-1].append((ns, name, ns.get(name, NULL)))
    ns[name] = value


class _Binding:
    def __init__(self, ns, name, value):
        self.args = (ns, name, value)

    def __reduce__(self):
        return _bind_global, self.args


def early_bindings(ns, globals_):
    """To pickle BEFORE everything else: binds each global into the namespace as soon as its value is
    loaded - modules, then functions and classes, then the rest, each in namespace order - so that
    program code run while the rest loads (a key's __hash__, __setstate__, a class hook) finds the
    globals it uses. Loading gives a list of Nones; the caller still updates the namespace."""
    def rank(value):
        if isinstance(value, types.ModuleType):
            return 0
        return 1 if isinstance(value, (types.FunctionType, type)) else 2
    names = sorted(globals_, key=lambda name: rank(globals_[name]))  # stable: namespace order within a rank
    return [_Binding(ns, name, globals_[name]) for name in names]


# ---------------------------------------------------------------- diagnostics: what cannot be saved
_ATOMIC = frozenset({type(None), bool, int, float, complex, str, bytes, type(...), type(NotImplemented)})
_MAX_DEPTH = 48


def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ in ("builtins", "__main__") else f"{t.__module__}.{t.__qualname__}"


def _describe_type(obj):
    """The type name, with the name of an open file or stream: ``_io.TextIOWrapper(<stderr>)``."""
    name = _type_name(obj)
    if isinstance(obj, io.IOBase) and type(obj) is not Unsaved:
        try:
            file_name = obj.name
        except Exception:  # noqa: BLE001
            return name
        return f"{name}({file_name})" if isinstance(file_name, (str, int)) else name
    return name


class _NullSink:
    def write(self, data):
        return len(data)


class Probe:
    """Tells whether one object pickles (nothing is kept; buffers are not copied). Objects already
    reported are pickled as placeholders, so a container is only blamed for its own failure."""

    def __init__(self, ns, raw=frozenset()):
        self.reported = {}
        self.pickler = Pickler(_NullSink(), ns, buffer_callback=lambda buffer: None, placeholders=self.reported,
                               raw=raw)

    def why_not(self, obj):
        self.pickler.clear_memo()
        try:
            self.pickler.dump(obj)
            return None
        except RecursionError:
            return None  # deep but not broken; the real dump decides
        except Exception as e:  # noqa: BLE001 - any failure is a reason to report
            return f"{type(e).__name__}: {e}"

    def reduce(self, obj):
        try:
            rv = self.pickler.reducer_override(obj)
            if rv is NotImplemented:
                rv = obj.__reduce_ex__(5)
        except Exception:  # noqa: BLE001 - its own failure: nothing to look into
            return None
        return rv if isinstance(rv, tuple) else None


def _attributes(state):
    """(suffix, value) pairs of a pickled state: a __dict__, (__dict__, slots) or anything else."""
    if isinstance(state, dict):
        return [(f".{k}" if isinstance(k, str) else f"[{k!r}]", v) for k, v in state.items()]
    if isinstance(state, tuple) and len(state) == 2 and all(s is None or isinstance(s, dict) for s in state):
        return _attributes(state[0] or {}) + _attributes(state[1] or {})
    if state is None:
        return []
    return [(".<state>", state)]


def _children(obj, probe):
    """(suffix, child) pairs to look into when `obj` does not pickle."""
    t = type(obj)
    if t is Unsaved:
        return []
    if isinstance(obj, dict):
        out = []
        for k, v in list(obj.items()):
            if type(k) not in _ATOMIC:
                out.append((f".keys()[{_type_name(k)}]", k))
            out.append((f"[{k!r}]", v))
        return out
    if isinstance(obj, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        return [(f"{{{_type_name(v)}}}", v) for v in obj]
    if t is types.FunctionType:
        out = [(f".<cell {name}>", c.cell_contents) for name, c in
               zip(obj.__code__.co_freevars, obj.__closure__ or ()) if _cell_full(c)]
        out += [(".__defaults__", obj.__defaults__), (".__kwdefaults__", obj.__kwdefaults__)]
        return out + [(f".{k}", v) for k, v in obj.__dict__.items()]
    if t in _GENERATOR_KINDS:
        try:
            state = _engine.gen_capture(obj)
        except Exception:  # noqa: BLE001
            return []
        if state[0] is None or state[3] is None:
            return []
        names = slot_names(state[1])
        return [(f" local {n!r}", cell_value(v)) for n, v in zip(names, state[3]) if v is not NULL]
    if t is types.MethodType:
        return [(".__self__", obj.__self__), (".__func__", obj.__func__)]
    if t is types.CellType:
        return [(".cell_contents", obj.cell_contents)] if _cell_full(obj) else []
    if isinstance(obj, type):
        return [(f".{k}", v) for k, v in vars(obj).items() if k not in _CLASS_SKIPPED]
    rv = probe.reduce(obj)
    if rv is None:
        return []
    out = []
    args = rv[1] if len(rv) > 1 and isinstance(rv[1], tuple) else ()
    if rv[0] is copyreg.__newobj__ and args:
        args = args[1:]  # the class
    if len(rv) > 2:
        out += _attributes(rv[2])
    out += [(f".<arg {i}>", a) for i, a in enumerate(args)]
    if len(rv) > 3 and rv[3] is not None:
        out += [(f"[{i}]", v) for i, v in enumerate(itertools.islice(rv[3], 100_000))]
    if len(rv) > 4 and rv[4] is not None:
        out += [(f"[{k!r}]", v) for k, v in itertools.islice(rv[4], 100_000)]
    return out


def _cell_full(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def cell_value(value):
    if type(value) is types.CellType:
        return value.cell_contents if _cell_full(value) else NULL
    return value


def slot_names(code):
    return list(code.co_varnames) + [n for n in code.co_cellvars if n not in code.co_varnames] + \
        list(code.co_freevars)


def find_unpicklable_objects(roots, ns, limit=50, raw=frozenset()):
    """EVERY object reachable from ``roots`` (``(path, obj)`` pairs) that does not pickle, as
    ``[(path, type name, reason, obj)]``; an object is named at the first path that reaches it. A
    container is named only if it fails by itself once the objects found inside it are set aside, so
    ``dumps(..., placeholders={id(obj): path for path, _, _, obj in result})`` then succeeds (unless the
    `limit` was reached)."""
    probe = Probe(ns, raw)
    problems = []
    verdict = {}  # id -> True (fails) / False (pickles, or being looked at: cycles)
    alive = []    # keeps temporary children alive, so their ids stay unique

    def visit(path, obj, depth):
        if type(obj) in _ATOMIC or obj is NULL:
            return
        key = id(obj)
        if key in verdict:
            return
        verdict[key] = False
        alive.append(obj)
        if probe.why_not(obj) is None:
            return
        verdict[key] = True
        if depth < _MAX_DEPTH:
            for suffix, child in _children(obj, probe):
                if len(problems) >= limit:
                    return
                visit(path + suffix, child, depth + 1)
        reason = probe.why_not(obj)  # with what was found inside set aside
        if reason is not None and len(problems) < limit:
            problems.append((path, _describe_type(obj), reason, obj))
            probe.reported[key] = path

    for path, obj in roots:
        if len(problems) >= limit:
            break
        visit(path, obj, 0)
    return problems


def problem_text(path, type_name, reason, sep=": ", always=False):
    """'path: type' for the user, with the reason when it says more than "cannot pickle 'type'"
    (the position of an iterated text file, a running child process...)."""
    plain = reason is None or re.match(r"\w+Error: cannot pickle '", reason) is not None
    return f"{path}{sep}{type_name}" + ("" if plain and not always else f" ({reason})")


def find_unpicklable(roots, ns, limit=50):
    """``find_unpicklable_objects`` without the objects: ``[(path, type name, reason)]``."""
    return [(path, type_name, reason) for path, type_name, reason, _ in find_unpicklable_objects(roots, ns, limit)]
