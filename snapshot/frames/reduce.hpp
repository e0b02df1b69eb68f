// functools.reduce() with its accumulator where the capture can read it (internal to snapshot/frames).
//
// functools_reduce (Modules/_functoolsmodule.c) keeps the iterator and the accumulated value in C
// locals, so a request inside the function it applies, or inside the iterator it consumes (a generator,
// a map over a Python function), had to wait for the whole reduction. install() replaces
// _functools.reduce (and functools.reduce) with a function that runs the same loop, recording that state.
#pragma once

#include "cpython311.hpp"

#include <vector>

namespace suspendable::frames::reduce
{

// Replaces _functools.reduce and functools.reduce (once per process; later calls do nothing).
void install();

// True for the replacement (the callable of a CALL).
bool is_reduce(PyObject* callable);

// The reduce() that `caller`'s current CALL runs, now calling its function: *func (borrowed).
bool call_phase_of(cpy::iframe* caller, PyObject** func);

// Its state as "reduce" link data (see trampoline.hpp): the call's result once the function returns.
void add_link_data(cpy::iframe* caller, std::vector<py_ref>& data);

// Resume: the rest of reduce() once the restored function returned `value` (new reference or NULL).
// The call's result (new reference) or NULL with an exception.
PyObject* finish(PyObject* link, PyObject* value);

// The reduce() that `caller`'s current CALL runs over `iterator` (taking its next item): its state as
// a consumer's list [has_value, value] and extra (function,).
bool consumer_state(cpy::iframe* caller, PyObject* iterator, py_ref* list, py_ref* extra);

// One item of that iterator at resume (`item`, or `returned` at its end): the function is applied to
// it; the end gives the result. *again asks for the next item.
PyObject* consume(PyObject* list, PyObject* extra, PyObject* item, bool returned, bool* again);

} // namespace suspendable::frames::reduce
