#include "mapping_object.hpp"

namespace suspendable::format
{

namespace
{

struct mapping_object
{
    PyObject_HEAD mapped_file* map; // owned
};

void mapping_dealloc(PyObject* self)
{
    delete reinterpret_cast<mapping_object*>(self)->map;
    Py_TYPE(self)->tp_free(self);
}

int mapping_getbuffer(PyObject* self, Py_buffer* view, int flags)
{
    mapped_file* map = reinterpret_cast<mapping_object*>(self)->map;
    // Writable: the mapping is MAP_PRIVATE, so writes go to private copies of the pages, never the file.
    return PyBuffer_FillInfo(view, self, map->data(), static_cast<Py_ssize_t>(map->size()), 0, flags);
}

PyBufferProcs mapping_as_buffer = {mapping_getbuffer, nullptr};

PyTypeObject mapping_type = []
{
    PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
    t.tp_name = "_suspendable_format.Mapping";
    t.tp_basicsize = sizeof(mapping_object);
    t.tp_dealloc = mapping_dealloc;
    t.tp_as_buffer = &mapping_as_buffer;
    t.tp_flags = Py_TPFLAGS_DEFAULT;
    t.tp_doc = "A snapshot file mapped copy-on-write; unmapped when the last view of it goes away.";
    return t;
}();

} // namespace

bool add_mapping_type(PyObject* module)
{
    if (PyType_Ready(&mapping_type) < 0)
        return false;
    return PyModule_AddObjectRef(module, "Mapping", reinterpret_cast<PyObject*>(&mapping_type)) == 0;
}

py_ref new_mapping(std::unique_ptr<mapped_file> map)
{
    py_ref obj = check(reinterpret_cast<PyObject*>(PyObject_New(mapping_object, &mapping_type)));
    reinterpret_cast<mapping_object*>(obj.get())->map = map.release();
    return obj;
}

py_ref mapping_slice(PyObject* base_view, uint64_t offset, uint64_t size)
{
    py_ref start = check(PyLong_FromUnsignedLongLong(offset));
    py_ref stop = check(PyLong_FromUnsignedLongLong(offset + size));
    py_ref slice = check(PySlice_New(start.get(), stop.get(), nullptr));
    return check(PyObject_GetItem(base_view, slice.get()));
}

} // namespace suspendable::format
