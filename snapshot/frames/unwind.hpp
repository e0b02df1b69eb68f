// Taking a suspended chain off the stack inside a process that keeps running (the kernel), without
// running any of its handlers: no except/finally/__exit__ of the suspended frames runs and nothing they
// hold is finalized. Every frame from the innermost up to the base is redirected to a RETURN_VALUE that
// returns the `suspended` sentinel, so the chain leaves through CPython's normal return path.
#pragma once

#include "py_ref.hpp"

namespace suspendable::frames
{

// The object an unwound base frame returns (unique per process).
PyObject* suspended_sentinel();

// `frame` must be stopped at a line event (inside the safe-point callback) and its chain up to the frame
// running `base_code` must be plain Python calls (no C layer: a C caller would see the sentinel as a
// result). The caller must already hold strong references to every local and stack value of the chain
// (a captured chain does): the frames drop their stacks. GC and the profiler stay off until
// finish_run() sees the sentinel.
void unwind_chain(PyFrameObject* frame, PyObject* base_code);

// Brackets a run of base frames (a cell, or a resumed chain): remembers the handled exception so that
// an unwound chain, which skipped its POP_EXCEPTs, leaves sys.exc_info() as it found it.
class run_guard
{
public:
    run_guard();
    // Takes the base frame's result (or nullptr on exception, error set); returns it. If it is the
    // sentinel, restores exc_info, the garbage collector and the profiler.
    py_ref finish(PyObject* result);

private:
    py_ref m_saved_exc;
};

} // namespace suspendable::frames
