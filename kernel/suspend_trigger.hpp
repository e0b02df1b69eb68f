// Suspend requests that come from outside the running cell. Today: a `%suspend` cell queued while
// another cell runs, seen by the I/O thread as it arrives. The request is recorded here and the engine is
// armed from the I/O thread (Py_AddPendingCall: no GIL needed, so a busy cell never blocks the I/O
// thread); the cell's safe-point callback, on the main thread, takes the request.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace suspendable
{

class suspend_trigger
{
public:
    static suspend_trigger& instance();

    // Any thread. `request` describes the origin ({"origin": "magic", "code": "%suspend NAME ..."}).
    // Returns false if the engine could not be armed.
    bool request(nlohmann::json request);
    // Main thread, from the safe-point callback: the pending request, if any (consumed).
    std::optional<nlohmann::json> take();

private:
    std::mutex m_mutex;
    std::optional<nlohmann::json> m_pending;
};

// True if `code` is a %suspend line magic (the first non-blank text of the cell).
bool is_suspend_magic(const std::string& code);

} // namespace suspendable
