// The exception classes of `_suspendable_format` and the conversion of C++ exceptions into them at
// the module boundary.
#pragma once

#include "py_ref.hpp"

namespace suspendable::format
{

// Creates SnapshotError and its subclasses and adds them to `module`. Returns false with an error set.
bool add_exception_classes(PyObject* module);

// Sets the Python exception for the C++ exception being handled (call inside a catch block).
void set_python_error_from_current();

// Runs fn() and converts anything it throws; the result of a module-level function.
template <typename F> PyObject* guarded(F&& fn) noexcept
{
    try
    {
        return fn();
    }
    catch (...)
    {
        set_python_error_from_current();
        return nullptr;
    }
}

// SnapshotError (the base class) with `message`, for errors that fit none of the specific cases.
void set_snapshot_error(const std::string& message);

} // namespace suspendable::format
