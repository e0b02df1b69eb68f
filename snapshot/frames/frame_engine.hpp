// The frame engine: the only interface to the CPython-version-specific code in snapshot/frames/.
// Everything above it (graph, session, kernel) sees captured frames as plain Python objects, so a port
// to another CPython minor version replaces the .cpp files behind this header and nothing else.
//
// A captured chain is a Python tuple (frames, exc_value):
//   frames: list, outermost (the base frame) first, of tuples
//       (func, code, lasti, localsplus, stack, f_locals, mode, link, frame_object)
//     func, code   the frame's function and code object
//     lasti        index (code units) of the instruction the frame stopped at (see mode)
//     localsplus   list of co_nlocalsplus values (locals, cells, free variables)
//     stack        list: the frame's value stack, bottom first
//     f_locals     the frame's locals mapping (module frames), or None
//     mode         resume_before (0): continue BY EXECUTING the instruction at lasti (stopped at a line event)
//                  resume_after (1):  continue after lasti with one value pushed (stopped in a call)
//     link         how this frame's result reaches the next OUTER frame: None for a plain Python call, or a
//                  tuple (kind, data...) describing the C layer that sat in between (trampoline.cpp)
//     frame_object the frame's PyFrameObject when something else refers to it (sys._getframe() in a local, a
//                  traceback), else None; restore adopts it. It pickles as a stand-in (graph.py) that the
//                  restored frame takes over, so every reference sees the live frame again. Optional (8-tuples
//                  of older snapshots).
//   exc_value: the handled exception (sys.exc_info()[1]) at the suspension point, or None.
// Empty slots (unbound locals, NULL stack entries) are the engine's null sentinel object.
#pragma once

#include "py_ref.hpp"

#include <string>
#include <vector>

namespace suspendable::frames
{

enum resume_mode : int
{
    resume_before = 0,
    resume_after = 1,
};

// The object standing for an empty slot in captured frames (unique per process; pickled by reference).
PyObject* null_sentinel();
void set_null_sentinel(PyObject* sentinel);

// ---- capture (frame_capture.cpp) ----
// Why a chain cannot be captured right now: empty when it can.
struct blocker
{
    std::string reason;
    explicit operator bool() const { return !reason.empty(); }
};

// Checks, without touching any object, whether the chain from `frame` up to the frame running
// `base_code` can be captured now. `frame` must be stopped at a line event (mode resume_before) or in a
// Python call it made (resume_after).
blocker check_chain(PyFrameObject* frame, PyObject* base_code);

// Captures the chain (see the header comment). Throws python_error; throws std::runtime_error with the
// blocker's reason if the chain is not capturable.
py_ref capture_chain(PyFrameObject* frame, PyObject* base_code, resume_mode innermost_mode);

// ---- restore (frame_restore.cpp) ----
// Rebuilds the frames of a captured chain and runs them innermost first. For an innermost frame in mode
// resume_after, `send_value` is pushed first (e.g. True for checkpoint()). Returns the base frame's result;
// throws python_error if the program raised out of the base frame. `detached`: see run_detached.
py_ref resume_chain(PyObject* frames, PyObject* exc_value, PyObject* send_value, bool detached = false);

// Runs `code` in `globals` as the bottom of the thread's frame stack, as `python3.11 SCRIPT` runs
// __main__: the frames of the caller (the launcher) stay alive but are invisible to the program
// (f_back of its module frame is None; sys._getframe, traceback.extract_stack and inspect.stack stop
// there). Returns the result; throws python_error.
py_ref run_detached(PyObject* code, PyObject* globals);

// True if `f` (an _PyInterpreterFrame) is being run by resume_chain and is not its base frame: its C
// caller holds no state, so captures may treat it like an inlined call.
bool driven_by_resume(const void* f);
// The link resume_chain will apply to the result of such a frame (borrowed; None for a plain call), or
// NULL if `f` is not driven by a resume. A second capture of a resumed chain carries it over.
PyObject* resume_link(const void* f);
// The "iterate" link whose consumer resume_chain is running natively for the restored frame `caller`
// (borrowed), or NULL: the consumer's iterator may enter Python frames linked to `caller`.
PyObject* iterating_link(const void* caller);

// ---- generators (generator_state.cpp) ----
// State of a generator that is not running: (func, code, lasti, localsplus, stack, frame_state,
// exc_value); func is None for a finished generator.
py_ref capture_generator(PyObject* gen);
// Writes a captured state into a fresh generator of the same code (created by calling func: that runs
// only the generator prefix, no user code).
void restore_generator(PyObject* gen, PyObject* state);

// ---- static analysis (stack_depth.cpp) ----
// Value-stack depth before each instruction of `code` (index = code unit), -1 for caches and unreachable
// units. Throws std::runtime_error if the code is inconsistent.
std::vector<int> stack_depths(PyObject* code);

// ---- safe points (safe_point.cpp) ----
struct safe_point_config
{
    py_ref base_code;      // frames above it (the runner) are never captured
    py_ref callback;       // callback(frame) at a capturable line event; True = done (disarm)
    long skip = 0;         // capturable events to let pass before calling back (test hook)
    bool count_only = false; // only count capturable events, never call back
    double timeout = 10.0; // seconds a request may wait for a safe point before it is abandoned
    std::string private_prefix; // frames whose file starts with this (the engine's package) are not capturable
    py_ref on_abandon;     // on_abandon(reason: str) when the timeout expires; None: a line on stderr
};

// Sets what a request does. The tracer is not installed yet.
void configure(safe_point_config config);
// Installs the tracer now (main thread, GIL held). Zero cost until called.
void arm();
void disarm();
bool armed();
// Thread-safe request from any thread with a Python thread state or none: arms at the next eval breaker.
bool request_from_any_thread();
// Counters for reports and tests.
long capturable_events();
long deferred_events();

// Why `frame`'s chain cannot be captured now, by the rule the tracer applies (a native function in the
// way: "sorted() called at f.py:12 in work()", or transient state); empty if it can.
std::string describe_blocker(PyFrameObject* frame, PyObject* base_code);

// True when every class in type's MRO but object was made by a class statement (type_new): an instance
// is then entirely its __dict__ and its __slots__ members, and object.__new__ makes an empty one.
bool plain_layout(PyTypeObject* type);

} // namespace suspendable::frames
