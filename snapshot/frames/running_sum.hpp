// sum() with its running total where the capture can read it (internal to snapshot/frames).
//
// builtin_sum_impl keeps the iterator and the total in C locals (a C long, then a C double, then an
// object), so a request inside a generator that sum() consumes, or inside an __add__ / __radd__ it
// calls, had to wait for the whole sum. install() replaces builtins.sum with a function that runs the
// same loop, recording that state.
#pragma once

#include "cpython311.hpp"

namespace suspendable::frames::running_sum
{

// Replaces builtins.sum (once per process; later calls do nothing).
void install();

// The total so far of the sum() that `caller`'s current CALL runs over `generator`, as an object (new
// reference), or an empty reference when no such sum runs.
py_ref total_of(cpy::iframe* caller, PyObject* generator);

// The sum() that `caller`'s current CALL runs, now in PyNumber_Add(*lhs, *item) (borrowed), and its
// iterator.
bool add_phase_of(cpy::iframe* caller, PyObject** lhs, PyObject** item, PyObject** iterator);

// Resume: the rest of sum() over `iterator` once the total is `total` (new reference or NULL). The
// call's result (new reference) or NULL with an exception.
PyObject* finish(PyObject* iterator, PyObject* total);

} // namespace suspendable::frames::running_sum
