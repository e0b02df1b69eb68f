// Shared fixture of the frame-engine unit tests (test_frames, test_stackdepth, test_trampoline): one
// embedded interpreter per test binary, with the builtin _suspendable_engine, and helpers to run Python
// statements whose `assert`s become test failures.
#pragma once

#include "py_ref.hpp"
#include "python_runtime.hpp"

#include <gtest/gtest.h>

#include <string>

namespace engine_test
{

using suspendable::py_ref;

class engine : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        if (runtime == nullptr)
        {
            suspendable::runtime_options options;
            options.install_signal_handlers = false;
            runtime = new suspendable::python_runtime(options); // lives until the process exits
        }
    }

    void SetUp() override
    {
        // Each test gets a fresh namespace with the engine imported as E.
        ns = py_ref::steal(PyDict_New());
        PyDict_SetItemString(ns.get(), "__builtins__", PyEval_GetBuiltins());
        PyDict_SetItemString(ns.get(), "__name__", py_ref::steal(PyUnicode_FromString("enginetest")).get());
        run("import sys, _suspendable_engine as E\n");
    }

    // Runs Python statements in the test's namespace; an exception fails the test with its message.
    void run(const std::string& code)
    {
        py_ref result = py_ref::steal(PyRun_String(code.c_str(), Py_file_input, ns.get(), ns.get()));
        if (!result)
            FAIL() << suspendable::fetch_error_message() << "\nin:\n" << code;
    }

    // The value of a Python expression in the namespace (new reference), or an empty ref with the
    // error fetched into `error`.
    py_ref eval(const std::string& expr)
    {
        py_ref result = py_ref::steal(PyRun_String(expr.c_str(), Py_eval_input, ns.get(), ns.get()));
        if (!result)
            error = suspendable::fetch_error_message();
        return result;
    }

    long eval_long(const std::string& expr)
    {
        py_ref v = eval(expr);
        if (!v)
        {
            ADD_FAILURE() << error << " in " << expr;
            return -1;
        }
        return PyLong_AsLong(v.get());
    }

    py_ref ns;
    std::string error;
    static suspendable::python_runtime* runtime;
};

inline suspendable::python_runtime* engine::runtime = nullptr;

} // namespace engine_test
