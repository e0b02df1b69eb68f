// min() / max() with their best item so far where the capture reads it.
//
// CPython 3.11.2 min_max (Python/bltinmodule.c), mirrored here when a key function is given or the
// iterable is a generator:
//   min(iterable, *[, default=obj, key=func]) / min(arg1, arg2, *args, *[, key=func]);
//   key=None means no key; `default` with several positional arguments is an error (the original's);
//   for each item: val = key(item) (or the item); the first becomes the best; a later one replaces it
//       when PyObject_RichCompareBool(val, best val, Py_LT / Py_GT) is true (ties keep the first);
//   an empty iterable gives `default`, or the original's ValueError.
#include "min_max.hpp"

#include "call_registry.hpp"

namespace suspendable::frames::min_max
{

namespace
{

PyObject* originals[2] = {nullptr, nullptr}; // builtins.min and builtins.max as CPython made them

int op_of(bool is_max)
{
    return is_max ? Py_GT : Py_LT;
}

struct active_min_max
{
    cpy::iframe* caller = nullptr;
    bool is_max = false;
    py_ref it;
    PyObject* key = nullptr;      // borrowed: the call holds it; nullptr without one
    PyObject* fallback = nullptr; // `default`, borrowed; nullptr without one
    py_ref best_item;
    py_ref best_val;
    PyObject* item = nullptr; // the item whose key is being computed (borrowed from the loop)
};

using registry = call_registry<active_min_max>;

active_min_max* find(cpy::iframe* caller)
{
    return registry::find([caller](const active_min_max& s) { return s.caller == caller; });
}

// `item` with key `val` against the best so far. False with an exception set.
bool consider(py_ref& best_item, py_ref& best_val, PyObject* item, PyObject* val, bool is_max)
{
    if (best_val)
    {
        int cmp = PyObject_RichCompareBool(val, best_val.get(), op_of(is_max));
        if (cmp <= 0)
            return cmp == 0;
    }
    best_item = py_ref::borrow(item);
    best_val = py_ref::borrow(val);
    return true;
}

PyObject* result(bool is_max, PyObject* best_item, PyObject* fallback)
{
    if (best_item != nullptr)
        return py_ref::borrow(best_item).release();
    if (fallback != nullptr)
        return py_ref::borrow(fallback).release();
    // The original's own ValueError for an empty iterable.
    py_ref args = py_ref::steal(Py_BuildValue("(())"));
    return args ? PyObject_Call(originals[is_max], args.get(), nullptr) : nullptr;
}

// The loop from the iterator's next item on.
PyObject* run(active_min_max& s)
{
    for (;;)
    {
        py_ref item = py_ref::steal(PyIter_Next(s.it.get()));
        if (!item)
            break;
        py_ref val;
        if (s.key != nullptr)
        {
            s.item = item.get();
            val = py_ref::steal(PyObject_CallOneArg(s.key, item.get()));
            s.item = nullptr;
            if (!val)
                return nullptr;
        }
        else
        {
            val = py_ref::borrow(item.get());
        }
        if (!consider(s.best_item, s.best_val, item.get(), val.get(), s.is_max))
            return nullptr;
    }
    if (PyErr_Occurred())
        return nullptr;
    return result(s.is_max, s.best_item.get(), s.fallback);
}

// min_max's keywords (key, default); false for anything else, which the original refuses itself.
bool keywords(PyObject* kwds, PyObject** key, PyObject** fallback)
{
    if (kwds == nullptr)
        return true;
    Py_ssize_t pos = 0;
    PyObject* name = nullptr;
    PyObject* value = nullptr;
    while (PyDict_Next(kwds, &pos, &name, &value))
    {
        if (!PyUnicode_Check(name))
            return false;
        if (PyUnicode_CompareWithASCIIString(name, "key") == 0)
            *key = value;
        else if (PyUnicode_CompareWithASCIIString(name, "default") == 0)
            *fallback = value;
        else
            return false;
    }
    return true;
}

PyObject* call(PyObject* args, PyObject* kwds, bool is_max)
{
    PyObject* original = originals[is_max];
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject* key = nullptr;
    PyObject* fallback = nullptr;
    if (n == 0 || !keywords(kwds, &key, &fallback) || (n > 1 && fallback != nullptr))
        return PyObject_Call(original, args, kwds);
    if (key == Py_None)
        key = nullptr;
    PyObject* v = n > 1 ? args : PyTuple_GET_ITEM(args, 0);
    // Without a key, only a generator's frames can run under the loop; anything else is the original's.
    if (key == nullptr && !PyGen_CheckExact(v))
        return PyObject_Call(original, args, kwds);
    active_min_max s;
    s.caller = PyThreadState_Get()->cframe->current_frame;
    s.is_max = is_max;
    s.key = key;
    s.fallback = fallback;
    s.it = py_ref::steal(PyObject_GetIter(v));
    if (!s.it)
        return nullptr;
    registry::entry r(&s);
    return run(s);
}

PyObject* min(PyObject*, PyObject* args, PyObject* kwds)
{
    return call(args, kwds, false);
}
PyObject* max(PyObject*, PyObject* args, PyObject* kwds)
{
    return call(args, kwds, true);
}

PyMethodDef defs[2] = {{"min", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(min)),
                        METH_VARARGS | METH_KEYWORDS, nullptr},
                       {"max", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(max)),
                        METH_VARARGS | METH_KEYWORDS, nullptr}};

PyObject* or_none(PyObject* o)
{
    return o != nullptr ? o : Py_None;
}

} // namespace

void install()
{
    PyObject* builtins = PyImport_AddModule("builtins"); // borrowed
    PyObject* dict = builtins != nullptr ? PyModule_GetDict(builtins) : nullptr;
    for (int i = 0; i < 2 && dict != nullptr; i++)
    {
        PyObject* f = PyDict_GetItemString(dict, defs[i].ml_name);
        if (f == nullptr || !PyCFunction_Check(f))
            continue;
        auto* fn = reinterpret_cast<PyCFunctionObject*>(f);
        if (fn->m_ml == &defs[i] || fn->m_ml->ml_flags != (METH_VARARGS | METH_KEYWORDS))
            continue;
        Py_XSETREF(originals[i], py_ref::borrow(f).release()); // held for the process
        defs[i].ml_doc = fn->m_ml->ml_doc;
        // Bound to the builtins module with its module name, as the original.
        py_ref mine = py_ref::steal(PyCFunction_NewEx(&defs[i], builtins, fn->m_module));
        if (!mine || PyDict_SetItemString(dict, defs[i].ml_name, mine.get()) < 0)
            PyErr_Clear();
    }
    PyErr_Clear();
}

bool key_phase_of(cpy::iframe* caller, PyObject** key)
{
    active_min_max* s = find(caller);
    if (s == nullptr || s->item == nullptr)
        return false;
    *key = s->key;
    return true;
}

void add_link_data(cpy::iframe* caller, std::vector<py_ref>& data)
{
    active_min_max* s = find(caller);
    data.push_back(py_ref::borrow(s->is_max ? Py_True : Py_False));
    data.push_back(py_ref::borrow(s->it.get()));
    data.push_back(py_ref::borrow(s->key));
    data.push_back(py_ref::borrow(s->best_val ? Py_True : Py_False));
    data.push_back(py_ref::borrow(or_none(s->best_item.get())));
    data.push_back(py_ref::borrow(or_none(s->best_val.get())));
    data.push_back(py_ref::borrow(s->fallback != nullptr ? Py_True : Py_False));
    data.push_back(py_ref::borrow(or_none(s->fallback)));
    data.push_back(py_ref::borrow(s->item));
}

PyObject* finish(PyObject* link, PyObject* value)
{
    py_ref val = py_ref::steal(value);
    if (PyTuple_GET_SIZE(link) != 10 || originals[0] == nullptr || originals[1] == nullptr)
    {
        PyErr_SetString(PyExc_ValueError, "malformed minmax link in the snapshot");
        return nullptr;
    }
    if (!val)
        return nullptr;
    active_min_max s;
    s.is_max = PyTuple_GET_ITEM(link, 1) == Py_True;
    s.it = py_ref::borrow(PyTuple_GET_ITEM(link, 2));
    s.key = PyTuple_GET_ITEM(link, 3);
    if (PyTuple_GET_ITEM(link, 4) == Py_True)
    {
        s.best_item = py_ref::borrow(PyTuple_GET_ITEM(link, 5));
        s.best_val = py_ref::borrow(PyTuple_GET_ITEM(link, 6));
    }
    s.fallback = PyTuple_GET_ITEM(link, 7) == Py_True ? PyTuple_GET_ITEM(link, 8) : nullptr;
    if (!consider(s.best_item, s.best_val, PyTuple_GET_ITEM(link, 9), val.get(), s.is_max))
        return nullptr;
    return run(s);
}

bool consumer_state(cpy::iframe* caller, PyObject* generator, py_ref* list, py_ref* extra)
{
    active_min_max* s = find(caller);
    if (s == nullptr || s->item != nullptr || s->it.get() != generator)
        return false;
    *list = check(Py_BuildValue("[OOO]", s->best_val ? Py_True : Py_False, or_none(s->best_item.get()),
                                or_none(s->best_val.get())));
    *extra = check(Py_BuildValue("(OOOO)", s->is_max ? Py_True : Py_False, or_none(s->key),
                                 s->fallback != nullptr ? Py_True : Py_False, or_none(s->fallback)));
    return true;
}

PyObject* consume(PyObject* list, PyObject* extra, PyObject* item, bool returned, bool* again)
{
    *again = false;
    bool is_max = PyTuple_GET_ITEM(extra, 0) == Py_True;
    bool has_best = PyList_GET_ITEM(list, 0) == Py_True;
    if (returned)
        return result(is_max, has_best ? PyList_GET_ITEM(list, 1) : nullptr,
                      PyTuple_GET_ITEM(extra, 2) == Py_True ? PyTuple_GET_ITEM(extra, 3) : nullptr);
    PyObject* key = PyTuple_GET_ITEM(extra, 1);
    py_ref val = key != Py_None ? py_ref::steal(PyObject_CallOneArg(key, item)) : py_ref::borrow(item);
    if (!val)
        return nullptr;
    py_ref best_item = has_best ? py_ref::borrow(PyList_GET_ITEM(list, 1)) : py_ref();
    py_ref best_val = has_best ? py_ref::borrow(PyList_GET_ITEM(list, 2)) : py_ref();
    if (!consider(best_item, best_val, item, val.get(), is_max))
        return nullptr;
    if (PyList_SetItem(list, 0, py_ref::borrow(Py_True).release()) < 0 ||
        PyList_SetItem(list, 1, best_item.release()) < 0 || PyList_SetItem(list, 2, best_val.release()) < 0)
        return nullptr;
    *again = true;
    return nullptr;
}

} // namespace suspendable::frames::min_max
