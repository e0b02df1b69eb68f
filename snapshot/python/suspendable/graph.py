"""The object graph of a suspended program: one pickle (protocol 5) stream.

What plain pickle cannot do, and how it is done here:

* code objects travel by ``marshal`` (version-locked: the snapshot records the bytecode magic);
* functions, lambdas and closures whose globals are the program's namespace, and classes defined in
  ``__main__`` (or anywhere they cannot be imported by name), travel by value and are rebuilt with the
  SAME globals dict that the restored frames use (cloudpickle-style per-function globals would break
  ``global`` statements);
* cells are shared objects (a closure and its defining frame see the same cell after loading);
* modules travel by name; the program's namespace, ``__main__`` and the standard streams by reference;
* exceptions keep ``__context__``, ``__cause__``, ``__suppress_context__`` and ``__traceback__`` (its
  frames become stand-ins with the same code, globals and position);
* suspended generators travel with their frame (the engine reads and writes it);
* regular open files are reopened at the same position;
* ``property``, ``staticmethod``, ``classmethod`` and the dataclasses sentinels keep their meaning.

Objects that cannot be saved are all reported, each with its path (``frame work() local 'sock':
socket.socket``), by ``find_unpicklable``.
"""

import copyreg
import dataclasses
import enum
import gc
import importlib
import io
import itertools
import marshal
import os
import pickle
import random
import sys
import types

import _suspendable_engine as _engine
import _suspendable_format as _format

NULL = _engine.NULL


class UnpicklableError(Exception):
    """The snapshot cannot be written; ``problems`` lists ``(path, type name, reason)``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {t}" for p, t, _ in problems))


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


def _make_class(metaclass, name, bases, creation_ns):
    return metaclass(name, bases, creation_ns)


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


def _set_class_state(cls, state):
    for key, value in state.items():
        setattr(cls, key, value)
    return cls


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


def _make_memoryview(base, fmt, shape):
    view = memoryview(base)
    return view.cast("B").cast(fmt, shape) if (view.format, view.shape) != (fmt, shape) else view


def _make_pairwise(it, old):
    p = itertools.pairwise(it if it is not None else iter(()))  # None: exhausted
    _engine.pairwise_set_old(p, old)
    return p


def _dict_view(d, kind):
    return getattr(d, kind)()


def _module_attribute(module, name):
    return getattr(importlib.import_module(module), name)


def _make_cell():
    return types.CellType()


def _set_cell(cell, value):
    cell.cell_contents = value
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
    if gen.gi_code is not code and gen.gi_code != code:
        raise RuntimeError(f"the code of generator {code.co_qualname} changed since the snapshot")
    _engine.gen_restore(gen, (None,) + tuple(state[1:]))
    return gen


def _finished_generator():
    gen = (x for x in ())
    gen.close()
    return gen


_FRAME_EXECUTING = 0  # gi_frame_state of a running generator (CPython 3.11)

_WRITE_MODES = {"w": "r+", "w+": "r+", "x": "r+", "x+": "r+", "wb": "r+b", "w+b": "r+b", "wb+": "r+b",
                "xb": "r+b", "xb+": "r+b", "x+b": "r+b"}


def _reopen_file(name, mode, position, closed, text_options):
    """Reopen a regular file at the position it had (never truncating what was written)."""
    if closed:
        f = open(os.devnull, "rb" if "b" in mode else "r")
        f.close()
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


def _importable(obj, module_name, qualname):
    module = sys.modules.get(module_name)
    if module is None or module_name == "__main__" or "<locals>" in qualname:
        return False
    try:
        return _getattr_path(module, qualname) is obj
    except AttributeError:
        return False


# dict views: `view.mapping` is a read-only proxy whose only referent is the dict itself.
_DICT_VIEWS = {type({}.keys()): "keys", type({}.values()): "values", type({}.items()): "items"}
_FILE_TYPES = (io.TextIOWrapper, io.BufferedReader, io.BufferedWriter, io.BufferedRandom, io.FileIO)
_STREAM_NAMES = ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__")


def _persistent_ids(pickler):
    """Pickler.persistent_id: the program's namespace, NULL, __main__ and module namespaces travel by
    reference (Unpickler.persistent_load); every other object -> None. Later pairs win."""
    pairs = [(d, ("MODULE_DICT", name)) for name, m in list(sys.modules.items())
             if (d := getattr(m, "__dict__", None)) is not None and type(d) is dict and m is not pickler.main_module]
    if pickler.main_module is not None and getattr(pickler.main_module, "__dict__", None) is pickler.ns:
        pairs.append((pickler.main_module, ("MAIN",)))
    pairs += [(NULL, ("NULL",)), (pickler.ns, ("NS",))]
    return _format.IdentityTable(pairs)


class Pickler(pickle.Pickler):
    """Protocol-5 pickler for a program's state; ``ns`` is the program's ``__main__`` namespace."""

    def __init__(self, file, ns, buffer_callback=None):
        super().__init__(file, protocol=5, buffer_callback=buffer_callback)
        self.ns = ns
        self.main_module = sys.modules.get("__main__")
        # Module namespaces (globals of library functions saved by value) travel by module name.
        self.module_dicts = {id(m.__dict__): name for name, m in list(sys.modules.items())
                             if getattr(m, "__dict__", None) is not None and m is not self.main_module}
        # The C pickler calls persistent_id for every object it saves (each int and str too): a C
        # identity lookup there, not a Python method, which made dumps ~3x plain pickle on small objects.
        self.persistent_id = _persistent_ids(self)

    def reducer_override(self, obj):
        t = type(obj)
        if t is types.CodeType:
            return _load_code, (marshal.dumps(obj),)
        if t is types.FunctionType:
            return self._reduce_function(obj)
        if t is types.CellType:
            try:
                value = obj.cell_contents
            except ValueError:
                return _make_cell, ()
            return _make_cell, (), value, None, None, _set_cell
        if t is types.GeneratorType:
            return self._reduce_generator(obj)
        if isinstance(obj, BaseException):
            return self._reduce_exception(obj)
        if t is types.ModuleType:
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, type):
            return self._reduce_class(obj)
        if t is property:
            return property, (obj.fget, obj.fset, obj.fdel, obj.__doc__)
        if t is types.TracebackType:
            return _make_traceback, (obj.tb_next, obj.tb_frame, obj.tb_lasti, obj.tb_lineno)
        if t is types.FrameType:
            # Only reached through tracebacks (frames held in variables are not a safe point): a stand-in
            # with the same code, globals and position.
            return _engine.make_frame, (obj.f_code, obj.f_globals, max(obj.f_lasti, 0) // 2)
        if t is itertools.pairwise:
            state = _engine.pairwise_state(obj)
            if state is not None:
                return _make_pairwise, state
        if t is memoryview:
            return self._reduce_memoryview(obj)
        if t in _DICT_VIEWS:
            return _dict_view, (gc.get_referents(obj.mapping)[0], _DICT_VIEWS[t])
        if t.__name__ == "_NamedIntConstant" and t.__module__ == "re._constants":
            return _module_attribute, (t.__module__, obj.name)
        if t is types.MappingProxyType:
            return _make_mappingproxy, (dict(obj),)
        if t is staticmethod or t is classmethod:
            return t, (obj.__func__,)
        if isinstance(obj, _FILE_TYPES):
            return self._reduce_file(obj)
        if t is dataclasses._FIELD_BASE:
            return _dataclasses_sentinel, (obj.name,)
        if obj is dataclasses.MISSING:
            return _dataclasses_sentinel, ("MISSING",)
        if obj is getattr(dataclasses, "KW_ONLY", None):
            return _dataclasses_sentinel, ("KW_ONLY",)
        if obj is random._inst:
            return _random_instance, ()
        if t.__module__ == "__main__" and _custom_new(t):
            rv = obj.__reduce_ex__(5)
            if isinstance(rv, tuple) and rv[0] is copyreg.__newobj__ and tuple(rv[1]) == (t,):
                return (_new_instance, (t,)) + tuple(rv[2:])
        return NotImplemented

    def _reduce_function(self, func):
        if func.__globals__ is not self.ns and _importable(func, func.__module__, func.__qualname__):
            return NotImplemented  # by reference, as plain pickle does
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
        if isinstance(cls, enum.EnumMeta):
            return self._reduce_enum(cls)
        if not isinstance(cls.__dict__, types.MappingProxyType):
            return NotImplemented
        slots = cls.__dict__.get("__slots__")
        creation = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        if slots is not None:
            creation["__slots__"] = slots
        slot_names = {slots} if isinstance(slots, str) else set(slots or ())
        state = {}
        for key, value in cls.__dict__.items():
            if key in ("__dict__", "__weakref__", "__module__", "__qualname__", "__slots__"):
                continue
            if key in slot_names and type(value).__name__ == "member_descriptor":
                continue
            state[key] = value
        return (_make_class, (type(cls), cls.__name__, cls.__bases__, creation),
                state, None, None, _set_class_state)

    def _reduce_enum(self, cls):
        members = [(name, member._value_) for name, member in cls.__members__.items()]
        attrs = {}
        for key, value in cls.__dict__.items():
            if key in cls.__members__ or (key.startswith("_") and key.endswith("_")):
                if not (key.startswith("__") and getattr(value, "__module__", None) == cls.__module__
                        and isinstance(value, types.FunctionType)):
                    continue
            if key in ("__module__", "__qualname__", "__dict__", "__weakref__", "__doc__"):
                continue
            attrs[key] = value
        creation = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        if cls.__doc__ is not None and "__doc__" in cls.__dict__:
            creation["__doc__"] = cls.__doc__
        return _make_enum, (type(cls), cls.__name__, cls.__bases__, creation, members, attrs)

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

    def _reduce_generator(self, gen):
        state = _engine.gen_capture(gen)
        func = state[0]
        if func is None:
            return _finished_generator, ()
        if state[5] == _FRAME_EXECUTING:
            # Running: its frame is on the captured chain, and the resume fills this shell with it.
            return _make_generator_shell, (func,)
        return _make_generator_shell, (func,), state, None, None, _restore_generator

    def _reduce_exception(self, exc):
        attrs = getattr(exc, "__dict__", None) or None
        state = (attrs, exc.__context__, exc.__cause__, exc.__suppress_context__, exc.__traceback__)
        return _make_exception, (type(exc), exc.args), state, None, None, _set_exception_state

    def _reduce_file(self, f):
        for name in _STREAM_NAMES:
            if getattr(sys, name, None) is f:
                return _std_stream, (name,)
        raw_name = getattr(f, "name", None)
        if not isinstance(raw_name, str) or not os.path.isfile(raw_name):
            raise pickle.PicklingError(f"open file {raw_name!r} is not a regular file")
        if f.closed:
            return _reopen_file, (raw_name, f.mode, 0, True, None)
        if f.writable():
            f.flush()
        try:
            position = f.tell()
        except OSError:
            position = _iterated_text_position(f, raw_name)
        text = None
        if isinstance(f, io.TextIOWrapper):
            text = {"encoding": f.encoding, "errors": f.errors}
        return _reopen_file, (os.path.abspath(raw_name), f.mode, position, False, text)


def _iterated_text_position(f, path):
    """Byte position of a text file being read by `for line in f` (where f.tell() is disabled): what the
    buffer has consumed minus what the decoder holds and the wrapper decoded but did not hand out yet.
    Verified against the file's bytes, else the file cannot be saved."""
    state = _engine.text_reader_state(f)
    if state is None:
        raise pickle.PicklingError(f"cannot tell the position of {path!r} while it is being iterated")
    rest, decoder = state
    pending = b""
    if decoder is not None:
        pending = decoder.getstate()[0]
    encoded = rest.encode(f.encoding, f.errors)
    position = f.buffer.tell() - len(pending) - len(encoded)
    with open(path, "rb") as check:
        check.seek(max(position, 0))
        if position < 0 or check.read(len(encoded)) != encoded:
            raise pickle.PicklingError(f"cannot tell the position of {path!r} while it is being iterated "
                                       "(newline translation or a stateful encoding)")
    return position


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
        raise pickle.UnpicklingError(f"unknown persistent reference {pid!r}")


def dumps(obj, ns, buffer_callback=None):
    out = io.BytesIO()
    Pickler(out, ns, buffer_callback=buffer_callback).dump(obj)
    return out.getbuffer()


def loads(data, ns, buffers=None):
    return Unpickler(io.BytesIO(data), ns, buffers=buffers).load()


# ---------------------------------------------------------------- diagnostics
def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ in ("builtins", "__main__") else f"{t.__module__}.{t.__qualname__}"


def _pickles(obj, ns):
    try:
        Pickler(io.BytesIO(), ns).dump(obj)
        return None
    except RecursionError:
        return None  # deep but not broken; the real dump decides
    except Exception as e:  # noqa: BLE001 - any failure is a reason to report
        return f"{type(e).__name__}: {e}"


def _children(obj, ns):
    """(suffix, child) pairs to look into when `obj` does not pickle."""
    if isinstance(obj, dict):
        return [(f"[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        return [(f"{{{_type_name(v)}}}", v) for v in obj]
    if type(obj) is types.FunctionType:
        out = [(f".<cell {name}>", c.cell_contents) for name, c in
               zip(obj.__code__.co_freevars, obj.__closure__ or ()) if _cell_full(c)]
        return out + [(".__defaults__", obj.__defaults__)]
    if type(obj) is types.GeneratorType:
        try:
            state = _engine.gen_capture(obj)
        except Exception:  # noqa: BLE001
            return []
        if state[0] is None:
            return []
        names = _slot_names(state[1])
        return [(f" local {n!r}", v) for n, v in zip(names, state[3]) if v is not NULL]
    if isinstance(obj, types.MethodType):
        return [(".__self__", obj.__self__)]
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict) and not isinstance(obj, type):
        return [(f".{k}", v) for k, v in d.items()]
    return []


def _cell_full(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _slot_names(code):
    return list(code.co_varnames) + [n for n in code.co_cellvars if n not in code.co_varnames] + \
        list(code.co_freevars)


def find_unpicklable(roots, ns, limit=50):
    """All objects reachable from ``roots`` (``(path, obj)`` pairs) that do not pickle, deepest first
    per branch: ``[(path, type name, reason)]``."""
    problems = []
    seen = set()

    def visit(path, obj, depth):
        if len(problems) >= limit or id(obj) in seen:
            return
        seen.add(id(obj))
        reason = _pickles(obj, ns)
        if reason is None:
            return
        before = len(problems)
        if depth < 12:
            for suffix, child in _children(obj, ns):
                visit(path + suffix, child, depth + 1)
        if len(problems) == before:
            problems.append((path, _type_name(obj), reason))

    for path, obj in roots:
        visit(path, obj, 0)
    return problems

