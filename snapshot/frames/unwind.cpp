// Silent unwind ("return redirect"), as validated in research/kernel-unwind (147/147 suspend points).
//
// Invariants relied on (CPython 3.11.2, Python/ceval.c):
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
#include "unwind.hpp"

#include "cpython311.hpp"
#include "frame_engine.hpp"

namespace suspendable::frames
{

namespace
{

struct unwind_state
{
    bool pending = false;   // an unwind happened and finish() has not seen its sentinel yet
    int gc_was_enabled = 0;
    Py_tracefunc profile_func = nullptr;
    py_ref profile_obj;
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
    for (cpy::iframe* f = inner;; f = f->previous)
    {
        if (f == nullptr)
            throw std::runtime_error("unwind_chain: the base frame is not on the chain");
        if (reinterpret_cast<PyObject*>(f->f_code) == base_code)
            break;
        if (f->is_entry && !driven_by_resume(f))
            throw std::runtime_error("unwind_chain: a frame on the chain was called from C");
    }
    unwind_state& s = state();
    PyThreadState* ts = PyThreadState_Get();
    s.profile_func = ts->c_profilefunc;
    s.profile_obj = py_ref::borrow(ts->c_profileobj);
    if (s.profile_func != nullptr)
        PyEval_SetProfile(nullptr, nullptr);
    s.gc_was_enabled = PyGC_Disable(); // no unrelated finalizer may run while frames are half-gone
    s.pending = true;
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
    if (r.get() == suspended_sentinel() && s.pending)
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
