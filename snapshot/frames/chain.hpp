// Walking a frame chain from a stopped frame up to the base frame (internal to snapshot/frames).
#pragma once

#include "cpython311.hpp"
#include "frame_engine.hpp"

#include <string>
#include <vector>

namespace suspendable::frames::chain
{

// How to read one frame of a capturable chain.
struct frame_view
{
    cpy::iframe* frame = nullptr;
    int lasti = 0;
    int depth = 0;             // live value-stack items, read from memory
    bool push_null = false;    // one NULL after them
    resume_mode mode = resume_after;
    const char* link_kind = nullptr; // how this frame's result reaches the next outer frame
    std::vector<py_ref> link_data;
    PyObject* carried_link = nullptr; // a resumed frame's pending link (borrowed), instead of link_kind
    bool needs_partial_list = false;  // link_data[3]: the list this frame's native consumer fills
};

struct walk_result
{
    std::vector<frame_view> frames; // innermost first
    std::string blocked;            // non-empty: not capturable now, and why
};

walk_result walk(PyFrameObject* frame, PyObject* base_code, resume_mode innermost_mode);

// "file:line in function()" of a frame stopped at `lasti`.
std::string location(cpy::iframe* f, int lasti);

} // namespace suspendable::frames::chain
