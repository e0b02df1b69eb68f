// Taking a suspended chain off the stack inside a process that keeps running (the kernel), without
// running any of its handlers: no except/finally/__exit__ of the suspended frames runs and nothing they
// hold is finalized. A chain of plain Python calls is redirected to return the `suspended` sentinel
// frame by frame; a chain that crosses C layers leaves by raising an error no handler sees (unwind.cpp).
#pragma once

#include "py_ref.hpp"

namespace suspendable::frames
{

// The object an unwound base frame returns (unique per process).
PyObject* suspended_sentinel();

// `frame` must be stopped at a line event (inside the safe-point callback), with the frame running
// `base_code` on its chain; every C layer in between must be one the engine emulates (a captured chain's
// links). The caller must already hold strong references to every local and stack value of the chain
// (a captured chain does): the frames drop them. GC and the profiler stay off until finish() sees the
// chain leave. For a chain through C layers this throws python_error with the unwind's error set: the
// safe-point callback must let it propagate (the innermost frame raises it).
void unwind_chain(PyFrameObject* frame, PyObject* base_code);

// Brackets a run of base frames (a cell, or a resumed chain): remembers the handled exception so that
// an unwound chain, which skipped its POP_EXCEPTs, leaves sys.exc_info() as it found it.
class run_guard
{
public:
    run_guard();
    // Takes the base frame's result (or nullptr on exception, error set); returns it, or the sentinel if
    // the chain was unwound, after restoring exc_info, the garbage collector and the profiler.
    py_ref finish(PyObject* result);

private:
    py_ref m_saved_exc;
};

} // namespace suspendable::frames
