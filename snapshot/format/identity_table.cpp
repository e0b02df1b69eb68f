#include "identity_table.hpp"

#include <cstdint>
#include <cstring>

namespace suspendable::format
{

namespace
{

// Open addressing over object addresses, at most 1/4 full: a miss (the common case) is almost always
// one probe of an empty slot.
struct identity_table
{
    PyObject_HEAD vectorcallfunc vectorcall;
    PyObject** keys;   // strong references; nullptr = empty slot
    PyObject** values; // strong references
    size_t mask;       // capacity - 1 (capacity is a power of two), 0 before initialization
    Py_ssize_t count;
    PyObject* sets; // called with each non-empty set or frozenset that is not a key, or nullptr
};

inline size_t slot_of(const PyObject* key, size_t mask)
{
    auto p = reinterpret_cast<uintptr_t>(key);
    return static_cast<size_t>((p >> 4) * uint64_t(0x9E3779B97F4A7C15) >> 20) & mask;
}

PyObject* lookup(identity_table* t, PyObject* key)
{
    if (t->mask == 0)
        return nullptr;
    for (size_t i = slot_of(key, t->mask);; i = (i + 1) & t->mask)
    {
        PyObject* k = t->keys[i];
        if (k == key)
            return t->values[i];
        if (k == nullptr)
            return nullptr;
    }
}

int table_clear(PyObject* self)
{
    auto* t = reinterpret_cast<identity_table*>(self);
    PyObject** keys = t->keys;
    PyObject** values = t->values;
    size_t capacity = t->mask != 0 ? t->mask + 1 : 0;
    t->keys = t->values = nullptr;
    t->mask = 0;
    t->count = 0;
    Py_CLEAR(t->sets);
    for (size_t i = 0; i < capacity; ++i)
    {
        Py_XDECREF(keys[i]);
        Py_XDECREF(values[i]);
    }
    PyMem_Free(keys);
    PyMem_Free(values);
    return 0;
}

int table_traverse(PyObject* self, visitproc visit, void* arg)
{
    auto* t = reinterpret_cast<identity_table*>(self);
    for (size_t i = 0; t->mask != 0 && i <= t->mask; ++i)
    {
        Py_VISIT(t->keys[i]);
        Py_VISIT(t->values[i]);
    }
    Py_VISIT(t->sets);
    return 0;
}

void table_dealloc(PyObject* self)
{
    PyObject_GC_UnTrack(self);
    table_clear(self);
    Py_TYPE(self)->tp_free(self);
}

PyObject* table_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames)
{
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (n != 1 || (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0))
    {
        PyErr_SetString(PyExc_TypeError, "IdentityTable takes exactly one positional argument");
        return nullptr;
    }
    auto* t = reinterpret_cast<identity_table*>(self);
    PyObject* value = lookup(t, args[0]);
    if (value == nullptr && t->sets != nullptr &&
        (PySet_CheckExact(args[0]) || PyFrozenSet_CheckExact(args[0])) && PySet_GET_SIZE(args[0]) > 0)
    {
        // The pickler saves sets itself (no reducer is asked), but asks for a persistent id first:
        // the one place to see them. The set is still saved as usual.
        py_ref seen = py_ref::steal(PyObject_CallOneArg(t->sets, args[0]));
        if (!seen)
            return nullptr;
    }
    return Py_NewRef(value != nullptr ? value : Py_None);
}

// IdentityTable(items, sets=None): items is an iterable of (key, value) pairs; a later pair for the same
// key replaces an earlier one, as in a dict. `sets`, if given, is called with every non-empty set or
// frozenset looked up that is not a key (the lookup still answers None).
PyObject* table_new(PyTypeObject* type, PyObject* args, PyObject* kwargs)
{
    PyObject* items = nullptr;
    PyObject* sets = Py_None;
    static const char* keywords[] = {"items", "sets", nullptr};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:IdentityTable", const_cast<char**>(keywords), &items,
                                     &sets))
        return nullptr;
    py_ref seq = py_ref::steal(PySequence_Fast(items, "IdentityTable() takes an iterable of (key, value) pairs"));
    if (!seq)
        return nullptr;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
    size_t capacity = 8;
    while (capacity < 4 * static_cast<size_t>(n))
        capacity *= 2;
    py_ref self = py_ref::steal(type->tp_alloc(type, 0));
    if (!self)
        return nullptr;
    auto* t = reinterpret_cast<identity_table*>(self.get());
    t->vectorcall = table_vectorcall;
    t->keys = static_cast<PyObject**>(PyMem_Calloc(capacity, sizeof(PyObject*)));
    t->values = static_cast<PyObject**>(PyMem_Calloc(capacity, sizeof(PyObject*)));
    if (t->keys == nullptr || t->values == nullptr)
        return PyErr_NoMemory();
    t->mask = capacity - 1;
    t->sets = sets != Py_None ? Py_NewRef(sets) : nullptr;
    for (Py_ssize_t j = 0; j < n; ++j)
    {
        PyObject* pair = PySequence_Fast_GET_ITEM(seq.get(), j);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)
        {
            PyErr_SetString(PyExc_TypeError, "IdentityTable() items must be (key, value) tuples");
            return nullptr;
        }
        PyObject* key = PyTuple_GET_ITEM(pair, 0);
        PyObject* value = PyTuple_GET_ITEM(pair, 1);
        size_t i = slot_of(key, t->mask);
        while (t->keys[i] != nullptr && t->keys[i] != key)
            i = (i + 1) & t->mask;
        if (t->keys[i] == nullptr)
        {
            t->keys[i] = Py_NewRef(key);
            ++t->count;
        }
        Py_XSETREF(t->values[i], Py_NewRef(value));
    }
    return self.release();
}

Py_ssize_t table_length(PyObject* self)
{
    return reinterpret_cast<identity_table*>(self)->count;
}

PyMappingMethods table_as_mapping = {table_length, nullptr, nullptr};

PyTypeObject identity_table_type = []
{
    PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
    t.tp_name = "_suspendable_format.IdentityTable";
    t.tp_basicsize = sizeof(identity_table);
    t.tp_dealloc = table_dealloc;
    t.tp_vectorcall_offset = offsetof(identity_table, vectorcall);
    t.tp_call = PyVectorcall_Call;
    t.tp_as_mapping = &table_as_mapping;
    t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL;
    t.tp_traverse = table_traverse;
    t.tp_clear = table_clear;
    t.tp_new = table_new;
    t.tp_doc = "IdentityTable(items) -> callable: table(obj) is the value paired with obj (compared by identity, "
               "never by equality or hash), else None. For Pickler.persistent_id.";
    return t;
}();

} // namespace

bool add_identity_table_type(PyObject* module)
{
    if (PyType_Ready(&identity_table_type) < 0)
        return false;
    return PyModule_AddObjectRef(module, "IdentityTable", reinterpret_cast<PyObject*>(&identity_table_type)) == 0;
}

} // namespace suspendable::format
