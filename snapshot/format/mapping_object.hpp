// `_suspendable_format.Mapping`: a Python object owning a memory-mapped snapshot and exporting it
// through the buffer protocol. memoryviews sliced from it keep it (and the mapping) alive, so the
// resumed arrays stay valid for as long as anything refers to them.
#pragma once

#include "mapped_file.hpp"
#include "py_ref.hpp"

#include <memory>

namespace suspendable::format
{

bool add_mapping_type(PyObject* module);

// Takes ownership of `map`.
py_ref new_mapping(std::unique_ptr<mapped_file> map);

// memoryview over [offset, offset + size) of a mapping object.
py_ref mapping_slice(PyObject* base_view, uint64_t offset, uint64_t size);

} // namespace suspendable::format
