// The boundary between a builtin module's C++ functions and Python: C++ exceptions become Python
// exceptions there (a python_error already has its exception set).
#pragma once

#include "py_ref.hpp"

namespace suspendable
{

template <class F>
PyObject* guarded(F f)
{
    try
    {
        return f();
    }
    catch (const python_error&)
    {
        return nullptr;
    }
    catch (const std::exception& e)
    {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        return nullptr;
    }
}

} // namespace suspendable
