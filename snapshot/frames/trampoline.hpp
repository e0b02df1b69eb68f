// Trampoline emulation (internal to snapshot/frames): the C layers between two Python frames that hold
// no state of their own. A frame entered from C (is_entry) normally makes the chain uncapturable,
// because its caller is stopped inside a C call (stacktop == -1, arguments in C locals). When that C
// layer only forwards a call and hands the result back, the caller can be captured from the static stack
// depth and resumed by pushing the (possibly transformed, see `link`) result: no C state is lost.
#pragma once

#include "cpython311.hpp"

#include <string>
#include <vector>

namespace suspendable::frames::trampoline
{

// How a caller that is stopped inside a C call is captured and how its callee's result is fed back.
struct bridge
{
    bool ok = false;
    std::string why;                  // !ok: the native code in the way, for the user
    int lasti = 0;                    // caller's recorded lasti (mode resume_after: continue after it)
    int depth = 0;                    // caller's live stack items to capture (from memory)
    bool push_null = false;           // then one NULL (LOAD_METHOD's "not a method" form)
    const char* kind = nullptr;       // link kind (nullptr: the result is pushed as is)
    std::vector<PyObject*> data;      // borrowed objects the link needs
};

// `callee` was entered from C (is_entry, not driven by a resume) and `caller` is its `previous`.
bridge analyse(cpy::iframe* callee, cpy::iframe* caller);

// Link kinds (see frame_restore.cpp, apply_link):
//   "init"    (self)                  type_call -> __init__: push self; TypeError unless None returned
//   "getattr" (owner, name, fallback) attribute hooks: on AttributeError call fallback(owner, name)
inline constexpr const char* link_init = "init";
inline constexpr const char* link_getattr = "getattr";

} // namespace suspendable::frames::trampoline
