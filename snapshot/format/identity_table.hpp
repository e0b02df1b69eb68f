// `_suspendable_format.IdentityTable`: a C callable mapping a fixed set of objects, by identity, to
// values, and everything else to None. It is the graph pickler's `persistent_id`: the C pickler calls
// persistent_id for every object it saves (each int, str and float included), and a Python method
// there costs about twice plain pickle's whole time on many small objects; this lookup costs a few
// nanoseconds.
#pragma once

#include "py_ref.hpp"

namespace suspendable::format
{

bool add_identity_table_type(PyObject* module);

} // namespace suspendable::format
