// Reaching a safe point: a request (signal, pending call, test hook) installs a C trace function; the
// first `line` event whose frame chain is capturable calls the session back. Nothing is installed before
// a request, so an unrequested program runs at full speed.
//
// Invariants relied on (CPython 3.11.2):
// - PyEval_SetTrace sets tstate->cframe->use_tracing, which the running eval loop reads at every
//   dispatch (and RETURN_VALUE copies to the caller's loop), so already-running frames start emitting
//   `line` events at once;
// - in a `line` event the frame's stacktop and prev_instr are valid (DO_TRACING); in signal handlers and
//   pending calls (eval breaker) they are not, so those only arm;
// - line events fire on every new line and every backward jump, so a loop reaches one per iteration;
//   they never fall between KW_NAMES and CALL (same line), where the kwnames tuple lives in a C local;
// - while a trace function runs, tstate->tracing suppresses nested events (the callback may run Python);
// - Py_AddPendingCall may be called from any thread; pending calls run on the main thread.
#include "chain.hpp"
#include "cpython311.hpp"
#include "frame_engine.hpp"

#include <structmember.h> // T_OBJECT_EX

#include <algorithm>
#include <chrono>

namespace suspendable::frames
{

// type_new gives every class it makes subtype_dealloc, which CPython does not export: read it from one.
static destructor class_statement_dealloc()
{
    static destructor d = []
    {
        py_ref t = py_ref::steal(
            PyObject_CallFunction(reinterpret_cast<PyObject*>(&PyType_Type), "s()N", "_plain", PyDict_New()));
        if (!t)
        {
            PyErr_Clear();
            return static_cast<destructor>(nullptr);
        }
        return reinterpret_cast<PyTypeObject*>(t.get())->tp_dealloc;
    }();
    return d;
}

// The instance size type_new gives k: its base's plus one word per __slots__ member (T_OBJECT_EX) and
// one for a __weakref__ or unmanaged __dict__ slot it adds. Extension types made from a spec also get
// subtype_dealloc; their C fields show as a larger size.
static bool adds_only_slots(PyTypeObject* k)
{
    PyTypeObject* base = k->tp_base;
    if (base == nullptr || k->tp_itemsize != 0)
        return false;
    Py_ssize_t size = base->tp_basicsize;
    for (PyMemberDef* m = k->tp_members; m != nullptr && m->name != nullptr; m++)
    {
        if (m->type == T_OBJECT_EX)
            size += static_cast<Py_ssize_t>(sizeof(PyObject*));
    }
    if (k->tp_weaklistoffset > 0 && k->tp_weaklistoffset != base->tp_weaklistoffset)
        size += static_cast<Py_ssize_t>(sizeof(PyObject*));
    if (k->tp_dictoffset > 0 && k->tp_dictoffset != base->tp_dictoffset)
        size += static_cast<Py_ssize_t>(sizeof(PyObject*));
    return k->tp_basicsize == size;
}

bool plain_layout(PyTypeObject* type)
{
    destructor d = class_statement_dealloc();
    PyObject* mro = type->tp_mro;
    if (d == nullptr || mro == nullptr || !PyTuple_Check(mro))
        return false;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++)
    {
        auto* k = reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i));
        if (k == &PyBaseObject_Type)
            continue;
        if (!(k->tp_flags & Py_TPFLAGS_HEAPTYPE) || k->tp_dealloc != d || !adds_only_slots(k))
            return false;
    }
    return true;
}

namespace
{

struct safe_point_state
{
    safe_point_config config;
    bool armed = false;
    std::chrono::steady_clock::time_point armed_at;
    long capturable = 0;
    long deferred = 0;
    Py_tracefunc saved_func = nullptr; // a tracer that was installed before ours (coverage, pdb)
    py_ref saved_obj;
    py_ref opcode_frame; // the frame whose opcode events we turned on while armed (see arm)
    std::string last_blocked; // why the last line event of this request could not be captured
    // After the callback answered (depth, seconds): not called again before a frame of the chain it
    // saw returned (the chain is shorter than `retry_depth`) or `retry_at` passed.
    int retry_depth = 0;
    std::chrono::steady_clock::time_point retry_at;
};

safe_point_state& state()
{
    // Never destroyed: a static destructor would drop references after Py_FinalizeEx.
    static auto* s = new safe_point_state();
    return *s;
}

bool is_private(cpy::iframe* frame)
{
    const std::string& prefix = state().config.private_prefix;
    if (prefix.empty())
        return false;
    PyObject* filename = frame->f_code->co_filename;
    py_ref p = py_ref::steal(PyUnicode_FromStringAndSize(prefix.data(), static_cast<Py_ssize_t>(prefix.size())));
    if (!p)
    {
        PyErr_Clear();
        return false;
    }
    return PyUnicode_Tailmatch(filename, p.get(), 0, PY_SSIZE_T_MAX, -1) == 1;
}

// importlib's frames hold the locks of the import in progress (owned by this thread's id) while the
// module, half initialised, sits in sys.modules: neither can be carried to another process, so a request
// waits for the import to finish.
bool is_importing(cpy::iframe* frame)
{
    static PyObject* prefix =
        PyUnicode_InternFromString("<frozen importlib._bootstrap"); // held for the process
    return prefix != nullptr &&
           PyUnicode_Tailmatch(frame->f_code->co_filename, prefix, 0, PY_SSIZE_T_MAX, -1) == 1;
}

bool timed_out()
{
    const safe_point_state& s = state();
    if (s.config.timeout <= 0 || s.config.count_only)
        return false;
    std::chrono::duration<double> waited = std::chrono::steady_clock::now() - s.armed_at;
    return waited.count() > s.config.timeout;
}

int abandon(const std::string& reason)
{
    disarm();
    py_ref handler = py_ref::borrow(state().config.on_abandon.get());
    if (handler && handler.get() != Py_None)
    {
        py_ref r = py_ref::steal(PyObject_CallFunction(handler.get(), "s", reason.c_str()));
        return r ? 0 : -1;
    }
    PySys_WriteStderr("suspendable: no safe point reached in %.1f s; the program keeps running: %s\n",
                      state().config.timeout, reason.c_str());
    return 0;
}

// A frame object held by the program is saved when it reads the same after a resume:
// - a finished frame's object (FRAME_OWNED_BY_FRAME_OBJECT) keeps its code, globals and position, which is
//   what a stand-in restores (graph.py, as for tracebacks; its f_locals and f_back are not kept);
// - the object of a frame of the captured chain travels with that frame and the restored frame adopts
//   it (frame_restore.cpp), so f_back, f_locals and f_lineno stay live.
// Other objects (a running generator's frame, a frame below the base) would not: while one is held
// directly, in a cell or in a suspended generator, the chain is not a safe point yet. Library code holds
// them only briefly (inspect, traceback): waiting a few lines is better than failing.
bool saveable_frame_object(PyObject* v, const chain::walk_result& w)
{
    cpy::iframe* f = cpy::of(reinterpret_cast<PyFrameObject*>(v));
    if (f->owner == FRAME_OWNED_BY_FRAME_OBJECT)
        return true;
    if (f->owner != FRAME_OWNED_BY_THREAD)
        return false;
    for (const chain::frame_view& c : w.frames)
    {
        if (c.frame == f)
            return true;
    }
    return false;
}

bool is_transient(PyObject* v, int depth, const chain::walk_result& w)
{
    if (v == nullptr)
        return false;
    if (PyFrame_Check(v))
        return !saveable_frame_object(v, w);
    if (PyCell_Check(v))
        return is_transient(PyCell_GET(v), depth, w);
    if (depth > 0 && PyGen_CheckExact(v))
    {
        auto* g = reinterpret_cast<PyGenObject*>(v);
        if (g->gi_frame_state >= FRAME_COMPLETED || g->gi_frame_state == FRAME_EXECUTING)
            return false;
        auto* f = reinterpret_cast<cpy::iframe*>(g->gi_iframe);
        for (int i = 0; i < f->stacktop; i++)
        {
            if (is_transient(f->localsplus[i], depth - 1, w))
                return true;
        }
    }
    return false;
}

bool has_python_reduce_hook(PyTypeObject* type)
{
    for (const char* name : {"__reduce__", "__reduce_ex__", "__getstate__"})
    {
        py_ref key = py_ref::steal(PyUnicode_InternFromString(name));
        if (!key)
        {
            PyErr_Clear();
            return true;
        }
        PyObject* hook = _PyType_Lookup(type, key.get()); // borrowed; no Python code runs
        if (hook != nullptr && PyFunction_Check(hook))
            return true;
    }
    return false;
}

// A local or live stack item of `f` (its first argument aside) that is an instance of `type`.
// A member its enum class has registered (EnumType.__new__ adds each member to _member_map_ once its
// _value_ is set): complete, whatever __new__ holds it (Enum.__new__ returning what _missing_ found).
bool registered_member(PyObject* v)
{
    PyObject* members = PyDict_GetItemString(Py_TYPE(v)->tp_dict, "_member_map_"); // borrowed
    if (members == nullptr || !PyDict_CheckExact(members))
        return false;
    Py_ssize_t pos = 0;
    PyObject *key = nullptr, *value = nullptr;
    while (PyDict_Next(members, &pos, &key, &value))
    {
        if (value == v)
            return true;
    }
    return false;
}

bool holds_instance(cpy::iframe* f, int depth, PyTypeObject* type)
{
    int n = cpy::nlocalsplus(f) + depth;
    for (int i = 1; i < n; i++)
    {
        PyObject* v = f->localsplus[i];
        if (v != nullptr && PyCell_Check(v))
            v = PyCell_GET(v);
        if (v != nullptr && PyObject_TypeCheck(v, type) && !registered_member(v))
            return true;
    }
    return false;
}

// An enum class whose members graph.py can save raw (their data type is object, int, str or float):
// the class is then saved as its dict (graph.py _reduce_raw_class), which the resumed
// EnumType.__new__ goes on finishing.
bool raw_saveable_enum(PyObject* cls)
{
    static PyObject* enum_type = []
    {
        py_ref mod = py_ref::steal(import_module("enum"));
        PyObject* t = mod ? PyObject_GetAttrString(mod.get(), "EnumType") : nullptr;
        PyErr_Clear();
        return t; // held for the process
    }();
    if (enum_type == nullptr || !PyType_Check(enum_type) ||
        !PyObject_TypeCheck(cls, reinterpret_cast<PyTypeObject*>(enum_type)))
        return false;
    PyObject* member_type =
        PyDict_GetItemString(reinterpret_cast<PyTypeObject*>(cls)->tp_dict, "_member_type_");
    return member_type == nullptr || member_type == reinterpret_cast<PyObject*>(&PyBaseObject_Type) ||
           member_type == reinterpret_cast<PyObject*>(&PyLong_Type) ||
           member_type == reinterpret_cast<PyObject*>(&PyUnicode_Type) ||
           member_type == reinterpret_cast<PyObject*>(&PyFloat_Type);
}

// A class that a library metaclass's __new__ has made and not returned yet: classes are saved by calling
// their metaclass again (graph.py), which cannot give back one half made, unless it is an enum class
// saved raw. It is an instance of the metaclass that is no base of the class being built
// (EnumType.__new__ holds the first enum base too).
bool holds_new_class(cpy::iframe* f, int depth, PyTypeObject* meta)
{
    PyObject* bases = cpy::nlocalsplus(f) > 2 ? f->localsplus[2] : nullptr;
    if (bases != nullptr && PyCell_Check(bases))
        bases = PyCell_GET(bases);
    int n = cpy::nlocalsplus(f) + depth;
    for (int i = 1; i < n; i++)
    {
        PyObject* v = f->localsplus[i];
        if (v != nullptr && PyCell_Check(v))
            v = PyCell_GET(v);
        if (v == nullptr || !PyObject_TypeCheck(v, meta))
            continue;
        bool a_base = false;
        for (Py_ssize_t k = 0; bases != nullptr && PyTuple_Check(bases) && k < PyTuple_GET_SIZE(bases); k++)
        {
            PyObject* base = PyTuple_GET_ITEM(bases, k);
            a_base = a_base || (PyType_Check(base) && PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(base),
                                                                       reinterpret_cast<PyTypeObject*>(v)));
        }
        if (!a_base && !raw_saveable_enum(v))
            return true;
    }
    return false;
}

bool defined_in_main(PyTypeObject* type)
{
    PyObject* module = PyDict_GetItemString(type->tp_dict, "__module__"); // borrowed
    return module != nullptr && PyUnicode_Check(module) &&
           PyUnicode_CompareWithASCIIString(module, "__main__") == 0;
}

// An object whose __init__ or __new__ is running is half-built. A __reduce__ / __reduce_ex__ /
// __getstate__ written in Python for complete objects (inspect.Signature.__reduce__ reads
// self._parameters, enum's __reduce_ex__ needs a registered member) cannot save it. Such a chain is not a
// safe point until that call returns, except:
// - __init__ on an object of a plain layout, or on a member of an enum class of the program whose
//   members are saved raw: the snapshot saves `self` as its raw state, bypassing the hooks (graph.py,
//   half_built), which is exactly what the resumed __init__ goes on filling;
// - __new__ (the class is its first argument) while none of its locals is an instance of the class:
//   nothing is built yet (Enum.__new__ calling _missing_, a lookup) or it was already handed back;
// - a library metaclass's __new__ blocks only while it holds the class it made (holds_new_class).
bool half_built(cpy::iframe* f, int depth)
{
    PyCodeObject* co = f->f_code;
    if (co->co_argcount < 1 || !(co->co_flags & CO_OPTIMIZED))
        return false;
    bool init = PyUnicode_CompareWithASCIIString(co->co_name, "__init__") == 0;
    if (!init && PyUnicode_CompareWithASCIIString(co->co_name, "__new__") != 0)
        return false;
    PyObject* first = f->localsplus[0];
    if (first != nullptr && PyCell_Check(first))
        first = PyCell_GET(first); // MAKE_CELL wrapped the argument
    if (first == nullptr)
        return false;
    PyTypeObject* type = init ? Py_TYPE(first) : PyType_Check(first) ? reinterpret_cast<PyTypeObject*>(first) : nullptr;
    if (type != nullptr && !init && PyType_IsSubtype(type, &PyType_Type) && !defined_in_main(type))
        return holds_new_class(f, depth, type);
    if (type == nullptr || !has_python_reduce_hook(type))
        return false;
    if (init) // a member of a program's enum class being made: saved raw as well (graph.py _raw_member)
        return !plain_layout(type) && !(raw_saveable_enum(reinterpret_cast<PyObject*>(type)) && defined_in_main(type));
    return holds_instance(f, depth, type);
}

std::string transient_state(const chain::walk_result& w)
{
    for (const chain::frame_view& v : w.frames)
    {
        if (half_built(v.frame, v.depth))
            return "frame " + chain::location(v.frame, v.lasti) + " builds an object its __reduce__ cannot save yet";
        int n = cpy::nlocalsplus(v.frame) + v.depth;
        for (int i = 0; i < n; i++)
        {
            if (is_transient(v.frame->localsplus[i], 2, w))
                return "frame " + chain::location(v.frame, v.lasti) + " holds a frame object";
        }
    }
    return {};
}

// Empty when the chain from `frame` can be captured now. The walk's references are dropped before the
// caller goes on: a consumer's partial list is recognised by its single reference (partial_list.cpp).
std::string why_not_capturable(PyFrameObject* frame, PyObject* base)
{
    chain::walk_result w = chain::walk(frame, base, resume_before);
    if (w.blocked.empty())
        w.blocked = transient_state(w);
    for (size_t i = 1; w.blocked.empty() && i < w.frames.size(); i++)
    {
        if (is_private(w.frames[i].frame)) // the engine's own code (checkpoint() saving) is never captured
            w.blocked = "the engine itself is running";
    }
    for (size_t i = 0; w.blocked.empty() && i < w.frames.size(); i++)
    {
        if (is_importing(w.frames[i].frame))
            w.blocked =
                "an import in progress (" + chain::location(w.frames[i].frame, w.frames[i].lasti) + ")";
    }
    return w.blocked;
}

// Frames from `frame` down to the base's (inclusive).
int chain_depth(PyFrameObject* frame, PyObject* base)
{
    int depth = 0;
    for (cpy::iframe* f = cpy::of(frame); f != nullptr; f = f->previous)
    {
        depth++;
        if (reinterpret_cast<PyObject*>(f->f_code) == base)
            break;
    }
    return depth;
}

// A backward jump about to execute is a point like the start of a line: the jump has not run, and only
// the loop's own iterators are on the stack (no KW_NAMES or call in progress).
bool at_backward_jump(PyFrameObject* frame)
{
    int op = _Py_OPCODE(*cpy::of(frame)->prev_instr);
    return op == JUMP_BACKWARD || op == JUMP_BACKWARD_QUICK;
}

int tracer(PyObject*, PyFrameObject* frame, int what, PyObject*)
{
    if (what == PyTrace_OPCODE && !at_backward_jump(frame))
    {
        // The timeout may fall between two line events of a loop run by native code (sum(gen)):
        // the reason of the last one names that code.
        const std::string& last = state().last_blocked;
        return timed_out() ? abandon(last.empty() ? "the running loop reaches no line event" : last) : 0;
    }
    if (what != PyTrace_LINE && what != PyTrace_OPCODE)
        return 0;
    safe_point_state& s = state();
    PyObject* base = s.config.base_code.get();
    if (base == nullptr || is_private(cpy::of(frame)))
        return 0;
    std::string blocked = why_not_capturable(frame, base);
    if (!blocked.empty())
    {
        s.deferred++;
        s.last_blocked = blocked;
        return timed_out() ? abandon(blocked) : 0;
    }
    s.capturable++;
    if (s.config.count_only)
        return 0;
    if (s.config.skip > 0)
    {
        s.config.skip--;
        return 0;
    }
    py_ref callback = py_ref::borrow(s.config.callback.get());
    if (!callback)
        return 0;
    if (s.retry_depth > 0 && std::chrono::steady_clock::now() < s.retry_at &&
        chain_depth(frame, base) >= s.retry_depth)
        return 0;
    s.retry_depth = 0;
    py_ref r = py_ref::steal(PyObject_CallOneArg(callback.get(), reinterpret_cast<PyObject*>(frame)));
    if (!r)
    {
        disarm();
        return -1; // e.g. KeyboardInterrupt while saving: it propagates into the program
    }
    if (PyTuple_Check(r.get()) && PyTuple_GET_SIZE(r.get()) == 2)
    {
        // (depth, seconds): call again once the chain is shorter or the time has passed
        long depth = PyLong_AsLong(PyTuple_GET_ITEM(r.get(), 0));
        double seconds = PyFloat_AsDouble(PyTuple_GET_ITEM(r.get(), 1));
        if (PyErr_Occurred())
        {
            disarm();
            return -1;
        }
        s.retry_depth = static_cast<int>(std::max(depth, 1L));
        s.retry_at = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
        return 0;
    }
    int done = PyObject_IsTrue(r.get());
    if (done < 0)
    {
        disarm();
        return -1;
    }
    if (done)
        disarm();
    return 0;
}

// CPython emits a line event on a backward jump only if it lands before the jump: `while True: pass`
// jumps to itself and never reaches the tracer. Opcode events of the program's frame that is running
// when the request arrives (the innermost one outside the engine's own code) let such a loop stop at
// its jump; they are turned off again at disarm, so they cost only while a request waits.
void trace_opcodes_of_running_frame(safe_point_state& s)
{
    py_ref f = py_ref::borrow(reinterpret_cast<PyObject*>(PyEval_GetFrame()));
    auto frame = [&f] { return reinterpret_cast<PyFrameObject*>(f.get()); };
    while (f && is_private(cpy::of(frame())))
        f = py_ref::steal(reinterpret_cast<PyObject*>(PyFrame_GetBack(frame())));
    if (!f || frame()->f_trace_opcodes)
        return;
    frame()->f_trace_opcodes = 1;
    s.opcode_frame = std::move(f);
}

int pending_arm(void*)
{
    arm();
    return 0;
}

} // namespace

void configure(safe_point_config config)
{
    state().config = std::move(config);
}

void arm()
{
    safe_point_state& s = state();
    PyThreadState* ts = PyThreadState_Get();
    if (!s.armed && ts->c_tracefunc != tracer)
    {
        s.saved_func = ts->c_tracefunc;
        s.saved_obj = py_ref::borrow(ts->c_traceobj);
    }
    if (!s.armed)
    {
        s.armed_at = std::chrono::steady_clock::now();
        s.last_blocked.clear();
        s.retry_depth = 0;
        trace_opcodes_of_running_frame(s);
    }
    s.armed = true;
    PyEval_SetTrace(tracer, nullptr);
}

void disarm()
{
    safe_point_state& s = state();
    if (!s.armed)
        return;
    s.armed = false;
    if (s.opcode_frame)
        reinterpret_cast<PyFrameObject*>(s.opcode_frame.get())->f_trace_opcodes = 0;
    s.opcode_frame.reset();
    PyEval_SetTrace(s.saved_func, s.saved_obj.get());
    s.saved_func = nullptr;
    s.saved_obj.reset();
}

bool armed() { return state().armed; }

bool request_from_any_thread() { return Py_AddPendingCall(pending_arm, nullptr) == 0; }

std::string describe_blocker(PyFrameObject* frame, PyObject* base_code)
{
    return why_not_capturable(frame, base_code);
}

long capturable_events() { return state().capturable; }
long deferred_events() { return state().deferred; }

} // namespace suspendable::frames
