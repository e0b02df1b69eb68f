// min() / max() with their best item so far where the capture can read it (internal to
// snapshot/frames).
//
// min_max (Python/bltinmodule.c) keeps the iterator and the best item and key in C locals, so a request
// inside a key function or inside a generator it consumes had to wait for the whole call. install()
// replaces builtins.min and builtins.max with functions that run the same loop when a key function or
// a generator can run Python code, recording that state; every other call goes to the original.
#pragma once

#include "cpython311.hpp"

#include <vector>

namespace suspendable::frames::min_max
{

// Replaces builtins.min and builtins.max (once per process; later calls do nothing).
void install();

// The min()/max() that `caller`'s current CALL runs, now calling its key function: *key (borrowed).
bool key_phase_of(cpy::iframe* caller, PyObject** key);

// Its state as "minmax" link data (see trampoline.hpp): the call's result once the key returns.
void add_link_data(cpy::iframe* caller, std::vector<py_ref>& data);

// Resume: the rest of min()/max() once the restored key function returned `value` (new reference or
// NULL). The call's result (new reference) or NULL with an exception.
PyObject* finish(PyObject* link, PyObject* value);

// The min()/max() that `caller`'s current CALL runs over `generator`: its state as a "consume" link's
// list [has_best, best item, best key] and extra (name, key or None, has_default, default).
bool consumer_state(cpy::iframe* caller, PyObject* generator, py_ref* list, py_ref* extra);

// One outcome of that generator at resume (see trampoline::consume_outcome): a yield is compared with
// the best; the return gives the result. *again asks for the next item.
PyObject* consume(PyObject* list, PyObject* extra, PyObject* item, bool returned, bool* again);

} // namespace suspendable::frames::min_max
