// Owning and borrowing handles for PyObject references, and the exception that carries a Python error
// across C++ code. Every reference the project holds goes through py_ref: no bare Py_DECREF pairs.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace suspendable
{

// Owns one strong reference (or none). Move-only; copying is explicit through py_ref::borrow().
class py_ref
{
public:
    py_ref() = default;
    // Takes ownership of a new reference (the C API's "return value: new reference").
    static py_ref steal(PyObject* o) { return py_ref(o); }
    // Adds a reference to a borrowed one.
    static py_ref borrow(PyObject* o)
    {
        Py_XINCREF(o);
        return py_ref(o);
    }
    py_ref(py_ref&& other) noexcept : m_obj(std::exchange(other.m_obj, nullptr)) {}
    py_ref& operator=(py_ref&& other) noexcept
    {
        if (this != &other)
        {
            PyObject* old = std::exchange(m_obj, std::exchange(other.m_obj, nullptr));
            Py_XDECREF(old);
        }
        return *this;
    }
    py_ref(const py_ref&) = delete;
    py_ref& operator=(const py_ref&) = delete;
    ~py_ref() { Py_XDECREF(m_obj); }

    PyObject* get() const { return m_obj; }
    // Gives the reference away (e.g. to PyList_SET_ITEM or as a function's return value).
    PyObject* release() { return std::exchange(m_obj, nullptr); }
    void reset() { Py_CLEAR(m_obj); }
    explicit operator bool() const { return m_obj != nullptr; }

private:
    explicit py_ref(PyObject* o) : m_obj(o) {}
    PyObject* m_obj = nullptr;
};

// A Python exception is pending (PyErr_Occurred()). Thrown by C++ helpers that call the C API so that
// callers can unwind with RAII; converted back (the error is still set) at the Python boundary.
class python_error : public std::runtime_error
{
public:
    python_error() : std::runtime_error("Python exception pending") {}
};

// Throws python_error when a C API call returned NULL; returns the new reference otherwise.
inline py_ref check(PyObject* o)
{
    if (o == nullptr)
        throw python_error();
    return py_ref::steal(o);
}

inline void check_status(int rc)
{
    if (rc < 0)
        throw python_error();
}

// str(o) as UTF-8; never throws, never leaves an error set.
std::string to_string(PyObject* o);

// "TypeName: message" of the pending exception, which is cleared. For logs and user-facing errors.
std::string fetch_error_message();

// A process exit status from what a Python entry point returned: its int, or 1 after printing the
// traceback when it raised (a bug in our code, not in the user's input) or returned a non-int.
int exit_status(py_ref result);

// Holds the GIL for its lifetime; usable from any thread that the interpreter knows about or not.
class gil_guard
{
public:
    gil_guard() : m_state(PyGILState_Ensure()) {}
    ~gil_guard() { PyGILState_Release(m_state); }
    gil_guard(const gil_guard&) = delete;
    gil_guard& operator=(const gil_guard&) = delete;

private:
    PyGILState_STATE m_state;
};

// Releases the GIL for its lifetime (blocking waits on the main thread).
class gil_release
{
public:
    gil_release() : m_state(PyEval_SaveThread()) {}
    ~gil_release() { PyEval_RestoreThread(m_state); }
    gil_release(const gil_release&) = delete;
    gil_release& operator=(const gil_release&) = delete;

private:
    PyThreadState* m_state;
};

} // namespace suspendable
