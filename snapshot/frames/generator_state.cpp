// State of suspended (not running) generators, coroutines and async generators: their frame lives inside
// the object (gi_iframe) and is read and written in place.
//
// Invariants relied on (CPython 3.11.2, Objects/genobject.c, ceval.c):
// - a created or suspended generator frame has a valid stacktop (RETURN_GENERATOR / YIELD_VALUE save it)
//   and prev_instr at the RETURN_GENERATOR / YIELD_VALUE; gen_send_ex2 pushes the sent value and
//   continues at prev_instr + 1;
// - gi_frame_state is FRAME_CREATED, FRAME_SUSPENDED, FRAME_EXECUTING or >= FRAME_COMPLETED (cleared);
// - gi_exc_state.exc_value is the generator's own handled exception (a yield inside `except`);
// - calling a generator function runs only its prefix (COPY_FREE_VARS, MAKE_CELL, RETURN_GENERATOR), so
//   a fresh generator of the same code is an empty shell whose frame we may overwrite.
#include "cpython311.hpp"
#include "frame_engine.hpp"

#include <stdexcept>

namespace suspendable::frames
{

namespace
{

// Coroutines and async generators begin with the same _PyGenObject_HEAD (cr_/ag_ prefixes of the
// same fields, Include/cpython/genobject.h): their frames are read and written exactly like a
// generator's.
PyGenObject* as_generator(PyObject* gen)
{
    if (!PyGen_CheckExact(gen) && !PyCoro_CheckExact(gen) && !PyAsyncGen_CheckExact(gen))
    {
        PyErr_Format(PyExc_TypeError, "generator, coroutine or async generator expected, not %.200s",
                     Py_TYPE(gen)->tp_name);
        throw python_error();
    }
    return reinterpret_cast<PyGenObject*>(gen);
}

cpy::iframe* frame_of(PyGenObject* g) { return reinterpret_cast<cpy::iframe*>(g->gi_iframe); }

py_ref slots(PyObject** p, int n)
{
    py_ref list = check(PyList_New(n));
    for (int i = 0; i < n; i++)
        PyList_SET_ITEM(list.get(), i, py_ref::borrow(p[i] != nullptr ? p[i] : null_sentinel()).release());
    return list;
}

} // namespace

py_ref capture_generator(PyObject* gen)
{
    PyGenObject* g = as_generator(gen);
    if (g->gi_frame_state >= FRAME_COMPLETED)
        return check(Py_BuildValue("(OOiOOiO)", Py_None, Py_None, 0, Py_None, Py_None,
                                   static_cast<int>(g->gi_frame_state), Py_None));
    cpy::iframe* f = frame_of(g);
    if (g->gi_frame_state == FRAME_EXECUTING)
    {
        // Its frame is on the captured chain (FOR_ITER trampoline): only which function to make a
        // shell of; resume_chain fills the shell's frame.
        if (f->owner != FRAME_OWNED_BY_GENERATOR)
        {
            PyErr_SetString(PyExc_ValueError, "cannot capture a running generator");
            throw python_error();
        }
        return check(Py_BuildValue("(OOiOOiO)", reinterpret_cast<PyObject*>(f->f_func),
                                   reinterpret_cast<PyObject*>(f->f_code), -1, Py_None, Py_None,
                                   static_cast<int>(FRAME_EXECUTING), Py_None));
    }
    int nlp = cpy::nlocalsplus(f);
    py_ref locals = slots(f->localsplus, nlp);
    py_ref stack = slots(cpy::stack_base(f), f->stacktop - nlp);
    PyObject* exc = g->gi_exc_state.exc_value != nullptr ? g->gi_exc_state.exc_value : Py_None;
    return check(Py_BuildValue("(OOiNNiO)", reinterpret_cast<PyObject*>(f->f_func),
                               reinterpret_cast<PyObject*>(f->f_code), cpy::lasti(f), locals.release(),
                               stack.release(), static_cast<int>(g->gi_frame_state), exc));
}

void restore_generator(PyObject* gen, PyObject* state)
{
    PyGenObject* g = as_generator(gen);
    PyObject *func, *code, *locals, *stack, *exc;
    int lasti, frame_state;
    if (!PyArg_ParseTuple(state, "OO!iO!O!iO;generator state", &func, &PyCode_Type, &code, &lasti, &PyList_Type,
                          &locals, &PyList_Type, &stack, &frame_state, &exc))
        throw python_error();
    cpy::iframe* f = frame_of(g);
    PyCodeObject* co = f->f_code;
    int nlp = co->co_nlocalsplus;
    // The shell runs the function's code; the snapshot holds an equal copy (marshal) unless it is the
    // same object.
    int same_code = reinterpret_cast<PyObject*>(co) == code
                        ? 1
                        : PyObject_RichCompareBool(reinterpret_cast<PyObject*>(co), code, Py_EQ);
    if (same_code < 0)
        throw python_error();
    if (g->gi_frame_state != FRAME_CREATED || !same_code ||
        PyList_GET_SIZE(locals) != nlp || PyList_GET_SIZE(stack) > co->co_stacksize || lasti < 0 ||
        lasti >= Py_SIZE(co) || (frame_state != FRAME_CREATED && frame_state != FRAME_SUSPENDED))
    {
        PyErr_SetString(PyExc_ValueError, "generator state does not fit the generator");
        throw python_error();
    }
    for (int i = 0; i < f->stacktop; i++)
        Py_CLEAR(f->localsplus[i]);
    f->stacktop = 0;
    auto value = [](PyObject* v) { return v == null_sentinel() ? nullptr : py_ref::borrow(v).release(); };
    for (int k = 0; k < nlp; k++)
        f->localsplus[f->stacktop++] = value(PyList_GET_ITEM(locals, k));
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(stack); k++)
        f->localsplus[f->stacktop++] = value(PyList_GET_ITEM(stack, k));
    f->prev_instr = _PyCode_CODE(co) + lasti; // the RETURN_GENERATOR / YIELD_VALUE it stopped at
    g->gi_frame_state = static_cast<int8_t>(frame_state);
    PyObject* new_exc = exc == Py_None ? nullptr : py_ref::borrow(exc).release();
    Py_XSETREF(g->gi_exc_state.exc_value, new_exc);
}

} // namespace suspendable::frames
