// sum() over a generator with its running total where the capture can read it (internal to
// snapshot/frames).
//
// builtin_sum_impl keeps the total in C locals (a C long, then a C double, then an object), so a request
// inside a generator that sum() consumes had to wait for the whole sum. install() replaces builtins.sum
// with a function that runs the same loop for generators, recording its total; any other iterable goes
// to the original, whose next() runs no Python frame the capture could meet.
#pragma once

#include "cpython311.hpp"

namespace suspendable::frames::running_sum
{

// Replaces builtins.sum (once per process; later calls do nothing).
void install();

// The total so far of the sum() that `caller`'s current CALL runs over `generator`, as an object (new
// reference), or an empty reference when no such sum runs.
py_ref total_of(cpy::iframe* caller, PyObject* generator);

} // namespace suspendable::frames::running_sum
