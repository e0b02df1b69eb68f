// list.sort(key=...) whose key phase the engine can capture.
//
// CPython 3.11.2 list_sort_impl (Objects/listobject.c), the part this file takes over:
//   saved_ob_item = self->ob_item; ob_size 0; ob_item NULL; allocated -1
//       ("any operation will reset it to >= 0": how a change during the sort is seen at the end);
//   for i in 0 .. n-1: keys[i] = PyObject_CallOneArg(keyfunc, saved_ob_item[i]) - on error the keys so
//       far are dropped and the list gets its items back, in their old order;
//   then, with no Python code run by the key phase any more, the sort proper.
// The replacement runs the same loop with the keys in a list and the position in `active_sort`, which
// the capture reads (link "sort"). Then it gives the list its items back and calls the original sort
// with a key callable that returns those keys in order: the original calls its key function exactly
// once per item, from the first, so it sorts by the same keys, with the same comparisons, stability,
// reverse handling and "list modified during sort" check. A change the key phase made to the list is
// dropped afterwards and reported with the same ValueError, as list_sort_impl does.
#include "keyed_sort.hpp"

#include "call_registry.hpp"

#include <utility>

namespace suspendable::frames::keyed_sort
{

namespace
{

using fast_method = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);

// list.sort's own C function (METH_FASTCALL | METH_KEYWORDS), kept when the replacement is installed.
fast_method original = nullptr;

struct active_sort
{
    cpy::iframe* caller = nullptr; // the frame whose CALL runs the sort (nullptr: run by a resume)
    PyListObject* list = nullptr;  // borrowed: the call holds it
    PyObject** items = nullptr;    // the list's array while the list looks empty (owned here)
    Py_ssize_t n = 0;
    Py_ssize_t allocated = 0;
    py_ref keys;             // the keys of items[0 .. len(keys))
    PyObject* key = nullptr; // borrowed: the call holds it
    bool reverse = false;
};

// Key phases running now, in every thread (the GIL serialises access); threads interleave, so a
// finished phase is removed wherever it is.
using registry = call_registry<active_sort>;

active_sort* find(cpy::iframe* caller)
{
    return registry::find([caller](const active_sort& s) { return s.caller == caller; });
}

void take_items(active_sort& s)
{
    s.items = s.list->ob_item;
    s.n = Py_SIZE(s.list);
    s.allocated = s.list->allocated;
    Py_SET_SIZE(s.list, 0);
    s.list->ob_item = nullptr;
    s.list->allocated = -1;
}

// The key function on items[len(keys) ..], in order. False with an exception set.
bool compute_keys(active_sort& s)
{
    for (Py_ssize_t i = PyList_GET_SIZE(s.keys.get()); i < s.n; i++)
    {
        py_ref k = py_ref::steal(PyObject_CallOneArg(s.key, s.items[i]));
        if (!k || PyList_Append(s.keys.get(), k.get()) < 0)
            return false;
    }
    return true;
}

// The key callable handed to the original sort: the next precomputed key, whatever the item.
PyObject* next_key(PyObject* keys_iterator, PyObject*)
{
    PyObject* k = PyIter_Next(keys_iterator);
    if (k == nullptr && !PyErr_Occurred())
        PyErr_SetString(PyExc_SystemError, "list.sort asked for more keys than items");
    return k;
}

PyMethodDef next_key_def = {"precomputed_key", next_key, METH_O, nullptr};

PyObject* sort_by(PyListObject* list, PyObject* keys, bool reverse)
{
    static PyObject* kwnames = Py_BuildValue("(ss)", "key", "reverse"); // held for the process
    if (kwnames == nullptr)
        return nullptr;
    py_ref it = py_ref::steal(PyObject_GetIter(keys));
    py_ref by_key = it ? py_ref::steal(PyCFunction_New(&next_key_def, it.get())) : py_ref();
    if (!by_key)
        return nullptr;
    PyObject* args[] = {by_key.get(), reverse ? Py_True : Py_False};
    return original(reinterpret_cast<PyObject*>(list), args, 0, kwnames);
}

// list_sort_impl's end: the list gets its items back, whatever the key phase put in it is dropped, and
// (when every key was computed) the items are sorted by their keys.
PyObject* give_back_and_sort(active_sort& s, bool keys_ok)
{
    PyListObject* l = s.list;
    bool changed = l->allocated != -1;
    PyObject** put_in = l->ob_item;
    Py_ssize_t put_in_n = Py_SIZE(l);
    Py_SET_SIZE(l, s.n);
    l->ob_item = std::exchange(s.items, nullptr);
    l->allocated = s.allocated;
    PyObject* result = keys_ok ? sort_by(l, s.keys.get(), s.reverse) : nullptr;
    s.keys.reset();
    if (result != nullptr && changed)
    {
        Py_CLEAR(result);
        PyErr_SetString(PyExc_ValueError, "list modified during sort");
    }
    if (put_in != nullptr)
    {
        while (--put_in_n >= 0)
            Py_XDECREF(put_in[put_in_n]);
        PyMem_Free(put_in);
    }
    return result;
}

// sort(*, key=None, reverse=False) as list.sort's argument clinic reads it; false for anything else
// (the original then raises its own error).
bool keywords(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject** key, PyObject** reverse)
{
    if (nargs != 0 || kwnames == nullptr)
        return false;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++)
    {
        PyObject* name = PyTuple_GET_ITEM(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(name, "key") == 0)
            *key = args[i];
        else if (PyUnicode_CompareWithASCIIString(name, "reverse") == 0)
            *reverse = args[i];
        else
            return false;
    }
    return true;
}

PyObject* sort(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames)
{
    PyObject* key = nullptr;
    PyObject* reverse = nullptr;
    // Without a key function the sort runs no Python code of ours to capture: the original, unchanged.
    // So does a `reverse` that is not an int (its conversion could run Python code, or fail).
    if (!keywords(args, nargs, kwnames, &key, &reverse) || key == nullptr || key == Py_None ||
        (reverse != nullptr && !PyLong_Check(reverse)))
        return original(self, args, nargs, kwnames);
    int rev = reverse == nullptr ? 0 : _PyLong_AsInt(reverse);
    if (rev == -1 && PyErr_Occurred())
    {
        PyErr_Clear();
        return original(self, args, nargs, kwnames); // raises the same OverflowError, before any key call
    }
    active_sort s;
    s.caller = PyThreadState_Get()->cframe->current_frame;
    s.list = reinterpret_cast<PyListObject*>(self);
    s.key = key;
    s.reverse = rev != 0;
    s.keys = py_ref::steal(PyList_New(0));
    if (!s.keys)
        return nullptr;
    take_items(s);
    bool ok;
    {
        registry::entry r(&s);
        ok = compute_keys(s);
    }
    return give_back_and_sort(s, ok);
}

PyMethodDef sort_def = {"sort", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(sort)),
                        METH_FASTCALL | METH_KEYWORDS, nullptr};

} // namespace

void install()
{
    // list's type dict is an ordinary dict in 3.11 (static types keep theirs in tp_dict), and
    // PyType_Modified drops the method caches and specialisations keyed by list's version tag.
    PyObject* d = PyDict_GetItemString(PyList_Type.tp_dict, "sort");
    if (d == nullptr || !Py_IS_TYPE(d, &PyMethodDescr_Type))
        return;
    PyMethodDef* def = reinterpret_cast<PyMethodDescrObject*>(d)->d_method;
    if (def == &sort_def || def->ml_flags != (METH_FASTCALL | METH_KEYWORDS))
        return;
    original = reinterpret_cast<fast_method>(reinterpret_cast<void (*)()>(def->ml_meth));
    sort_def.ml_doc = def->ml_doc; // same __doc__ and __text_signature__
    py_ref mine = py_ref::steal(PyDescr_NewMethod(&PyList_Type, &sort_def));
    if (!mine || PyDict_SetItemString(PyList_Type.tp_dict, "sort", mine.get()) < 0)
    {
        PyErr_Clear();
        return;
    }
    PyType_Modified(&PyList_Type);
}

bool key_phase_of(cpy::iframe* caller, PyObject** list, PyObject** key)
{
    active_sort* s = find(caller);
    if (s == nullptr)
        return false;
    *list = reinterpret_cast<PyObject*>(s->list);
    *key = s->key;
    return true;
}

void add_link_data(cpy::iframe* caller, bool returns_list, std::vector<py_ref>& data)
{
    active_sort* s = find(caller);
    py_ref items = check(PyTuple_New(s->n));
    for (Py_ssize_t i = 0; i < s->n; i++)
        PyTuple_SET_ITEM(items.get(), i, py_ref::borrow(s->items[i]).release());
    data.push_back(py_ref::borrow(reinterpret_cast<PyObject*>(s->list)));
    data.push_back(std::move(items));
    data.push_back(check(PyList_GetSlice(s->keys.get(), 0, PyList_GET_SIZE(s->keys.get()))));
    data.push_back(py_ref::borrow(s->key));
    data.push_back(py_ref::borrow(s->reverse ? Py_True : Py_False));
    data.push_back(py_ref::borrow(s->list->allocated != -1 ? Py_True : Py_False));
    data.push_back(py_ref::borrow(returns_list ? Py_True : Py_False));
}

void prepare(PyObject* link)
{
    if (PyTuple_GET_SIZE(link) != 8 || !PyList_Check(PyTuple_GET_ITEM(link, 1)))
        return; // finish() reports it
    auto* l = reinterpret_cast<PyListObject*>(PyTuple_GET_ITEM(link, 1));
    // Saved empty (the items travel in the link): unpickled as an empty list, ob_item NULL.
    if (PyTuple_GET_ITEM(link, 6) != Py_True && Py_SIZE(l) == 0 && l->ob_item == nullptr)
        l->allocated = -1;
}

PyObject* finish(PyObject* link, PyObject* key)
{
    py_ref k = py_ref::steal(key);
    bool whole = PyTuple_GET_SIZE(link) == 8;
    PyObject* list = whole ? PyTuple_GET_ITEM(link, 1) : nullptr;
    PyObject* items = whole ? PyTuple_GET_ITEM(link, 2) : nullptr;
    PyObject* keys = whole ? PyTuple_GET_ITEM(link, 3) : nullptr;
    if (!whole || !PyList_Check(list) || !PyTuple_Check(items) || !PyList_Check(keys) ||
        PyList_GET_SIZE(keys) >= PyTuple_GET_SIZE(items) || original == nullptr)
    {
        PyErr_SetString(PyExc_ValueError, "malformed sort link in the snapshot");
        return nullptr;
    }
    active_sort s;
    s.list = reinterpret_cast<PyListObject*>(list);
    s.key = PyTuple_GET_ITEM(link, 4);
    s.reverse = PyTuple_GET_ITEM(link, 5) == Py_True;
    s.keys = py_ref::borrow(keys);
    s.n = PyTuple_GET_SIZE(items);
    s.allocated = s.n;
    s.items = PyMem_New(PyObject*, static_cast<size_t>(s.n));
    if (s.items == nullptr)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < s.n; i++)
        s.items[i] = py_ref::borrow(PyTuple_GET_ITEM(items, i)).release();
    // prepare() put the list in list_sort_impl's "sorting" state: any change since leaves allocated >= 0.
    bool ok = k && PyList_Append(keys, k.get()) == 0 && compute_keys(s);
    PyObject* result = give_back_and_sort(s, ok);
    if (result != nullptr && PyTuple_GET_ITEM(link, 7) == Py_True)
    {
        Py_DECREF(result);
        return py_ref::borrow(list).release(); // sorted() returns the list it sorted
    }
    return result;
}

} // namespace suspendable::frames::keyed_sort
