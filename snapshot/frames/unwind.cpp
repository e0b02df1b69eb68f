// Silent unwind. Two ways out, both running none of the chain's handlers:
//
// 1. A chain of plain Python calls leaves by "return redirect", as validated in research/kernel-unwind
//    (147/147 suspend points). Invariants relied on (CPython 3.11.2, Python/ceval.c):
// - DO_TRACING: after the line trace function returns 0, stack_pointer is reloaded from frame->stacktop
//   and next_instr = frame->prev_instr, and that instruction is dispatched: the innermost frame executes
//   the RETURN_VALUE we point it at, with the sentinel we pushed on its emptied stack.
// - RETURN_VALUE of a non-entry frame pops it (clearing it: its locals are decref'd, never finally
//   finalized because the capture holds them), pushes the value on the caller's stack and goes to
//   resume_frame, which continues at caller->prev_instr + 1: the outer frames are pointed one unit
//   before a RETURN_VALUE, so they return the sentinel in turn. An entry frame (the base) returns it to C.
// - No exception is raised and no traceback or frame object is created; exception tables are untouched.
// - trace/profile 'return' events index _co_linearray by LASTI, which may be a stub outside the code:
//   the profiler is off until finish(), and the safe-point tracer removes itself after its callback.
//
// 2. A chain that crosses C layers (a frame entered from C: a decorator's *args call, __init__, a
//    generator driven by `for`...) cannot return through them: a C caller would take the sentinel as a
//    result and its eval loop continues from its own C local next_instr. It leaves by raising instead:
//    every C layer the engine emulates passes an error through (none catches a BaseException that is
//    not AttributeError / StopIteration / IndexError). Invariants relied on:
//    - exception_unwind looks a handler up in frame->f_code->co_exceptiontable at each frame; while the
//      chain unwinds, each of its code objects carries an empty table, so no except/finally/with
//      handler of any frame runs (restored in finish(), before any other Python code can run);
//    - a trace function that returns -1 raises its error at the frame's current instruction;
//    - a generator frame the error leaves is cleared by gen_send_ex2 (its values are held by the
//      capture); a resume in this process rebuilds it in the same generator (frame_restore.cpp).
#include "unwind.hpp"

#include "cpython311.hpp"
#include "frame_engine.hpp"

#include <utility>
#include <vector>

namespace suspendable::frames
{

namespace
{

struct unwind_state
{
    bool pending = false;   // an unwind happened and finish() has not seen its sentinel yet
    bool raising = false;   // that unwind leaves by raising unwinding_type() (a chain through C)
    int gc_was_enabled = 0;
    Py_tracefunc profile_func = nullptr;
    py_ref profile_obj;
    std::vector<std::pair<py_ref, py_ref>> tables; // (code, its exception table) while raising through C
};

unwind_state& state()
{
    static auto* s = new unwind_state(); // never destroyed (refs must not be dropped after finalize)
    return *s;
}

// For code with no RETURN_VALUE at all (`while True:` bodies that only leave by raising).
_Py_CODEUNIT* return_stub()
{
    static _Py_CODEUNIT stub[2] = {_Py_MAKECODEUNIT(NOP, 0), _Py_MAKECODEUNIT(RETURN_VALUE, 0)};
    return &stub[1];
}

// The last RETURN_VALUE of `co`, found in the deoptimised copy (caches read as 0, so no cache entry can
// be mistaken for an opcode). Its position is the same in the live, quickened code.
_Py_CODEUNIT* find_return(PyCodeObject* co)
{
    py_ref bytes = py_ref::steal(PyCode_GetCode(co));
    if (!bytes)
    {
        PyErr_Clear();
        return return_stub();
    }
    auto* p = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(bytes.get()));
    for (Py_ssize_t i = PyBytes_GET_SIZE(bytes.get()) / 2 - 1; i >= 0; --i)
    {
        if (p[2 * i] == RETURN_VALUE)
            return _PyCode_CODE(co) + i;
    }
    return return_stub();
}

// The captured chain holds every value, so these decrefs are never the last ones.
void drop_stack(cpy::iframe* f)
{
    int base = cpy::nlocalsplus(f);
    while (f->stacktop > base)
    {
        PyObject* v = f->localsplus[--f->stacktop];
        f->localsplus[f->stacktop] = nullptr;
        Py_XDECREF(v);
    }
}

// The error an unwind through C layers raises: a BaseException no emulated C layer catches.
PyObject* unwinding_type()
{
    static PyObject* type = PyErr_NewException("suspendable._Unwinding", PyExc_BaseException, nullptr);
    return type;
}

void clear_exception_tables(unwind_state& s, cpy::iframe* inner, PyObject* base_code)
{
    static PyObject* empty = PyBytes_FromStringAndSize(nullptr, 0);
    if (empty == nullptr || unwinding_type() == nullptr)
        throw python_error();
    for (cpy::iframe* f = inner;; f = f->previous)
    {
        PyCodeObject* co = f->f_code;
        if (co->co_exceptiontable != empty) // (a code without handlers holds the empty-bytes singleton)
        {
            s.tables.emplace_back(py_ref::borrow(reinterpret_cast<PyObject*>(co)),
                                  py_ref::steal(std::exchange(co->co_exceptiontable, py_ref::borrow(empty).release())));
        }
        if (reinterpret_cast<PyObject*>(co) == base_code)
            break;
    }
}

void restore_exception_tables(unwind_state& s)
{
    for (auto& [code, table] : s.tables)
        Py_XSETREF(reinterpret_cast<PyCodeObject*>(code.get())->co_exceptiontable, table.release());
    s.tables.clear();
}

void stop_observers(unwind_state& s)
{
    PyThreadState* ts = PyThreadState_Get();
    s.profile_func = ts->c_profilefunc;
    s.profile_obj = py_ref::borrow(ts->c_profileobj);
    if (s.profile_func != nullptr)
        PyEval_SetProfile(nullptr, nullptr);
    s.gc_was_enabled = PyGC_Disable(); // no unrelated finalizer may run while frames are half-gone
    s.pending = true;
}

} // namespace

PyObject* suspended_sentinel()
{
    static PyObject* sentinel = PyUnicode_InternFromString("<suspendable: cell suspended>");
    return sentinel;
}

void unwind_chain(PyFrameObject* frame, PyObject* base_code)
{
    cpy::iframe* inner = cpy::of(frame);
    if (inner->stacktop < cpy::nlocalsplus(inner))
        throw std::runtime_error("unwind_chain: the frame is not stopped at a line event");
    bool through_c = false;
    for (cpy::iframe* f = inner;; f = f->previous)
    {
        if (f == nullptr)
            throw std::runtime_error("unwind_chain: the base frame is not on the chain");
        if (reinterpret_cast<PyObject*>(f->f_code) == base_code)
            break;
        // A frame a resume drives returns to resume_chain, which hands a link-less result on as is.
        if (f->is_entry && !(driven_by_resume(f) && resume_link(f) == Py_None))
            through_c = true;
    }
    unwind_state& s = state();
    if (s.pending)
        throw std::runtime_error("unwind_chain: an unwound chain has not left yet");
    if (through_c)
    {
        clear_exception_tables(s, inner, base_code);
        stop_observers(s);
        s.raising = true;
        PyErr_SetNone(unwinding_type());
        throw python_error(); // raised by the safe-point callback, then by the innermost frame
    }
    stop_observers(s);
    for (cpy::iframe* f = inner;; f = f->previous)
    {
        _Py_CODEUNIT* ret = find_return(f->f_code);
        drop_stack(f);
        if (f == inner)
        {
            f->localsplus[f->stacktop++] = Py_NewRef(suspended_sentinel());
            f->prev_instr = ret;
        }
        else
        {
            f->prev_instr = ret - 1;
        }
        if (reinterpret_cast<PyObject*>(f->f_code) == base_code)
            break;
    }
}

run_guard::run_guard() : m_saved_exc(py_ref::borrow(PyThreadState_Get()->exc_info->exc_value)) {}

py_ref run_guard::finish(PyObject* result)
{
    py_ref r = py_ref::steal(result);
    unwind_state& s = state();
    bool raised = s.pending && s.raising;
    if (raised)
    {
        s.raising = false;
        restore_exception_tables(s); // first: clearing the error below may run finalizers
        if (!r && PyErr_ExceptionMatches(unwinding_type()))
        {
            PyErr_Clear(); // drops the traceback: its frame objects release what the capture also holds
            r = py_ref::borrow(suspended_sentinel());
        }
    }
    // A C layer that turned the unwind's error into another one (it propagates) ends the unwind too.
    if (s.pending && (raised || r.get() == suspended_sentinel()))
    {
        s.pending = false;
        PyThreadState* ts = PyThreadState_Get();
        Py_XSETREF(ts->exc_info->exc_value, m_saved_exc.release());
        if (s.gc_was_enabled)
            PyGC_Enable();
        if (s.profile_func != nullptr)
            PyEval_SetProfile(s.profile_func, s.profile_obj.get());
        s.profile_func = nullptr;
        s.profile_obj.reset();
    }
    if (!r)
        throw python_error();
    return r;
}

} // namespace suspendable::frames
