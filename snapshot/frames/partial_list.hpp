// The list a native consumer is filling (internal to snapshot/frames). list(it), sorted(it) and
// str.join(it) collect the items of `it` with list_extend (Objects/listobject.c) into a new list that
// only their C locals reference; it is the consumer's whole partial state. tuple(it) does the same
// with a tuple (PySequence_Tuple: filled from the front, NULL after the items taken so far). Finding it lets a request
// that lands inside the iterator's generator be served at once instead of waiting for the consumer.
#pragma once

#include "cpython311.hpp"

#include <string>

namespace suspendable::frames::partial_list
{

// The list (or, for tuple(), the tuple; `type`) being filled by the C code between `caller` (stopped in
// the consumer's CALL) and `callee` (the generator frame the consumer is running, entered from C),
// borrowed; nullptr with `why` set when it cannot be told apart with certainty.
PyObject* find(cpy::iframe* callee, cpy::iframe* caller, PyTypeObject* type, std::string& why);

// The same search for the dict type_new_set_names (Objects/typeobject.c) iterates: its copy of the new
// class's dict, referenced only by its C local, in which `key` maps to `value` (the object whose
// __set_name__ the callee runs); `not_this` (the class's own dict) is excluded. Borrowed, or nullptr.
PyObject* find_dict(cpy::iframe* callee, cpy::iframe* caller, PyObject* key, PyObject* value,
                    PyObject* not_this, std::string& why);

} // namespace suspendable::frames::partial_list
