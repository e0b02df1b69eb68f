#include "cells_module.hpp"

#include "frames/frame_engine.hpp"
#include "frames/unwind.hpp"
#include "py_ref.hpp"
#include "python_boundary.hpp"

namespace suspendable
{

namespace
{

// run_cell(code, globals): the code's module frame is the base frame of any suspension. Returns the
// frame's value, or SUSPENDED if it was suspended (its frames are off the stack, unrun).
PyObject* run_cell(PyObject*, PyObject* args)
{
    PyObject *code, *globals;
    if (!PyArg_ParseTuple(args, "O!O!", &PyCode_Type, &code, &PyDict_Type, &globals))
        return nullptr;
    return guarded([&] {
        frames::run_guard guard;
        return guard.finish(PyEval_EvalCode(code, globals, globals)).release();
    });
}

// resume_cell(frames, exc_value, send): continues a captured chain in this process (innermost first);
// the result is the base frame's value, or SUSPENDED if it was suspended again.
PyObject* resume_cell(PyObject*, PyObject* args)
{
    PyObject *chain, *exc, *send = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O", &chain, &exc, &send))
        return nullptr;
    return guarded([&] {
        frames::run_guard guard;
        PyObject* result = nullptr;
        try
        {
            result = frames::resume_chain(chain, exc, send == Py_None ? nullptr : send).release();
        }
        catch (const python_error&)
        {
            result = nullptr; // the exception the program raised out of its base frame
        }
        return guard.finish(result).release();
    });
}

// unwind(frame, base_code): from the safe-point callback, after the chain has been captured and saved.
PyObject* unwind(PyObject*, PyObject* args)
{
    PyObject *frame, *code;
    if (!PyArg_ParseTuple(args, "O!O!", &PyFrame_Type, &frame, &PyCode_Type, &code))
        return nullptr;
    return guarded([&] {
        frames::unwind_chain(reinterpret_cast<PyFrameObject*>(frame), code);
        Py_RETURN_NONE;
    });
}

PyMethodDef methods[] = {
    {"run_cell", run_cell, METH_VARARGS, "run_cell(code, globals) -> value, or SUSPENDED"},
    {"resume_cell", resume_cell, METH_VARARGS, "resume_cell(frames, exc, send=None) -> value, or SUSPENDED"},
    {"unwind", unwind, METH_VARARGS, "unwind(frame, base_code): take a captured chain off the stack silently"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_suspendable_cells",
                          "run, resume and silently unwind suspendable top-level code", -1, methods};

} // namespace

PyObject* init_cells_module()
{
    py_ref module = py_ref::steal(PyModule_Create(&module_def));
    if (!module || PyModule_AddObjectRef(module.get(), "SUSPENDED", frames::suspended_sentinel()) < 0)
        return nullptr;
    return module.release();
}

} // namespace suspendable
