// Suspend requests that come from outside the running cell: a `%suspend` cell queued while another cell
// runs (seen by the I/O thread as it arrives), a control-channel suspend_request, SIGUSR1. The request is
// recorded here and a pending call is queued (Py_AddPendingCall: no GIL needed, so a busy cell never
// blocks the I/O thread); on the main thread Python arms the engine, and the cell's safe-point callback
// takes the request.
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

    // Any thread. `request` describes the origin ({"origin": "magic", "code": "%suspend NAME ..."},
    // {"origin": "control", "name": ..., "timeout": ..., "reply": routing}, {"origin": "signal"}).
    // Returns false if the pending call could not be queued.
    bool request(nlohmann::json request);
    // Main thread: the pending request, if any (consumed unless `peek`).
    std::optional<nlohmann::json> take(bool peek = false);
    // Main thread: puts a taken request back, unless a newer one arrived (no new pending call).
    void keep(nlohmann::json request);
    // I/O thread: a control-channel request still pending a second after its timeout, taken. The cell
    // is then blocked in native code (time.sleep, a socket, input()): the main thread reaches neither
    // the pending call nor a line event that would time it out, yet the front end waits for a reply.
    std::optional<nlohmann::json> take_expired();

private:
    std::mutex m_mutex;
    std::optional<nlohmann::json> m_pending;
};

// True if `code` is a %suspend line magic (the first non-blank text of the cell).
bool is_suspend_magic(const std::string& code);

} // namespace suspendable
