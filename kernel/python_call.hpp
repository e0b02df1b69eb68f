// Calls into the kernel's Python side (suspendable_kernel.kernel) with JSON in and JSON out: every
// request handler is one function there, and the C++ side never walks Python objects by hand.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace suspendable
{

namespace nl = nlohmann;

// Takes the GIL, calls suspendable_kernel.kernel.<function>(*args) where args is a JSON array, and
// parses the JSON text it returns. A Python exception becomes {"status": "error", ...} with the
// exception's name, message and formatted traceback (a kernel must answer every request).
nl::json call_kernel_json(const char* function, const nl::json& args);

} // namespace suspendable
