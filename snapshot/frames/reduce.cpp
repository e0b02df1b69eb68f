// functools.reduce() with its accumulated value where the capture reads it.
//
// CPython 3.11.2 functools_reduce (Modules/_functoolsmodule.c), mirrored:
//   reduce(function, iterable[, initial]), positional only (METH_VARARGS);
//   it = iter(iterable), a TypeError from it becoming "reduce() arg 2 must support iteration";
//   for each item: the first becomes the value when there is no initial one; then
//       value = function(value, item) (PyObject_Call with a recycled 2-tuple: the function sees the same
//       arguments either way);
//   no value at the end: TypeError "reduce() of empty iterable with no initial value".
#include "reduce.hpp"

#include "call_registry.hpp"

namespace suspendable::frames::reduce
{

namespace
{

PyObject* original = nullptr; // _functools.reduce as CPython made it

struct active_reduce
{
    cpy::iframe* caller = nullptr;
    PyObject* func = nullptr; // borrowed: the call holds it
    py_ref it;
    py_ref value;         // empty until the first item (without an initial value)
    bool in_call = false; // function(value, item) is running; `value` is then its first argument
};

using registry = call_registry<active_reduce>;

active_reduce* find(cpy::iframe* caller)
{
    return registry::find([caller](const active_reduce& s) { return s.caller == caller; });
}

PyObject* empty_error()
{
    PyErr_SetString(PyExc_TypeError, "reduce() of empty iterable with no initial value");
    return nullptr;
}

// The loop from the iterator's next item on.
PyObject* run(active_reduce& s)
{
    for (;;)
    {
        py_ref item = py_ref::steal(PyIter_Next(s.it.get()));
        if (!item)
            break;
        if (!s.value)
        {
            s.value = std::move(item);
            continue;
        }
        s.in_call = true;
        py_ref next = py_ref::steal(PyObject_CallFunctionObjArgs(s.func, s.value.get(), item.get(), nullptr));
        s.in_call = false;
        if (!next)
            return nullptr;
        s.value = std::move(next);
    }
    if (PyErr_Occurred())
        return nullptr;
    return s.value ? s.value.release() : empty_error();
}

PyObject* call(PyObject*, PyObject* args)
{
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n < 2 || n > 3)
        return PyObject_Call(original, args, nullptr); // its own TypeError
    active_reduce s;
    s.caller = PyThreadState_Get()->cframe->current_frame;
    s.func = PyTuple_GET_ITEM(args, 0);
    if (n == 3)
        s.value = py_ref::borrow(PyTuple_GET_ITEM(args, 2));
    s.it = py_ref::steal(PyObject_GetIter(PyTuple_GET_ITEM(args, 1)));
    if (!s.it)
    {
        if (PyErr_ExceptionMatches(PyExc_TypeError))
            PyErr_SetString(PyExc_TypeError, "reduce() arg 2 must support iteration");
        return nullptr;
    }
    registry::entry r(&s);
    return run(s);
}

PyMethodDef reduce_def = {"reduce", call, METH_VARARGS, nullptr};

} // namespace

void install()
{
    py_ref mod = py_ref::steal(PyImport_ImportModule("_functools")); // builtin in Debian's python3.11
    PyObject* dict = mod ? PyModule_GetDict(mod.get()) : nullptr;
    PyObject* f = dict != nullptr ? PyDict_GetItemString(dict, "reduce") : nullptr;
    if (f == nullptr || !PyCFunction_Check(f))
    {
        PyErr_Clear();
        return;
    }
    auto* fn = reinterpret_cast<PyCFunctionObject*>(f);
    if (fn->m_ml == &reduce_def || fn->m_ml->ml_flags != METH_VARARGS)
        return;
    Py_XSETREF(original, py_ref::borrow(f).release()); // held for the process
    reduce_def.ml_doc = fn->m_ml->ml_doc;
    // Bound to _functools with its module name, as the original: __self__, __module__, repr and
    // pickling by reference are unchanged. functools copies it at import (`from _functools import
    // reduce`); if functools is already imported, its copy is replaced too.
    py_ref mine = py_ref::steal(PyCFunction_NewEx(&reduce_def, mod.get(), fn->m_module));
    if (!mine || PyDict_SetItemString(dict, "reduce", mine.get()) < 0)
    {
        PyErr_Clear();
        return;
    }
    py_ref name = py_ref::steal(PyUnicode_FromString("functools"));
    py_ref functools = name ? py_ref::steal(PyImport_GetModule(name.get())) : py_ref();
    PyObject* ns = functools ? PyModule_GetDict(functools.get()) : nullptr;
    if (ns != nullptr && PyDict_GetItemString(ns, "reduce") == f)
        PyDict_SetItemString(ns, "reduce", mine.get());
    PyErr_Clear();
}

bool is_reduce(PyObject* callable)
{
    return PyCFunction_Check(callable) && reinterpret_cast<PyCFunctionObject*>(callable)->m_ml == &reduce_def;
}

bool call_phase_of(cpy::iframe* caller, PyObject** func)
{
    active_reduce* s = find(caller);
    if (s == nullptr || !s->in_call)
        return false;
    *func = s->func;
    return true;
}

void add_link_data(cpy::iframe* caller, std::vector<py_ref>& data)
{
    active_reduce* s = find(caller);
    data.push_back(py_ref::borrow(s->func));
    data.push_back(py_ref::borrow(s->it.get()));
}

PyObject* finish(PyObject* link, PyObject* value)
{
    py_ref v = py_ref::steal(value);
    if (PyTuple_GET_SIZE(link) != 3 || original == nullptr)
    {
        PyErr_SetString(PyExc_ValueError, "malformed reduce link in the snapshot");
        return nullptr;
    }
    if (!v)
        return nullptr;
    active_reduce s;
    s.func = PyTuple_GET_ITEM(link, 1);
    s.it = py_ref::borrow(PyTuple_GET_ITEM(link, 2));
    s.value = std::move(v);
    return run(s);
}

bool consumer_state(cpy::iframe* caller, PyObject* iterator, py_ref* list, py_ref* extra)
{
    active_reduce* s = find(caller);
    if (s == nullptr || s->in_call || s->it.get() != iterator)
        return false;
    *list = check(Py_BuildValue("[OO]", s->value ? Py_True : Py_False, s->value ? s->value.get() : Py_None));
    *extra = check(Py_BuildValue("(O)", s->func));
    return true;
}

PyObject* consume(PyObject* list, PyObject* extra, PyObject* item, bool returned, bool* again)
{
    *again = false;
    bool has_value = PyList_GET_ITEM(list, 0) == Py_True;
    if (returned)
        return has_value ? py_ref::borrow(PyList_GET_ITEM(list, 1)).release() : empty_error();
    py_ref next = has_value ? py_ref::steal(PyObject_CallFunctionObjArgs(
                                  PyTuple_GET_ITEM(extra, 0), PyList_GET_ITEM(list, 1), item, nullptr))
                            : py_ref::borrow(item);
    if (!next)
        return nullptr;
    if (PyList_SetItem(list, 0, py_ref::borrow(Py_True).release()) < 0 ||
        PyList_SetItem(list, 1, next.release()) < 0)
        return nullptr;
    *again = true;
    return nullptr;
}

} // namespace suspendable::frames::reduce
