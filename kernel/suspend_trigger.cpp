#include "suspend_trigger.hpp"

#include "fd_capture.hpp"
#include "py_ref.hpp"

#include <chrono>
#include <thread>

namespace suspendable
{

suspend_trigger& suspend_trigger::instance()
{
    static suspend_trigger trigger;
    return trigger;
}

namespace
{

// Runs on the main thread at the running cell's next eval-breaker check, with the GIL. Python decides
// (suspension._arm_requested): the cell may have ended meanwhile, and the request carries its timeout.
// Nothing may propagate into the user's code from here.
int pending_arm(void*)
{
    py_ref module = py_ref::steal(PyImport_ImportModule("suspendable_kernel.suspension"));
    py_ref result = module ? py_ref::steal(PyObject_CallMethod(module.get(), "_arm_requested", nullptr)) : py_ref();
    if (!result)
        kernel_log("arming a suspend failed: " + fetch_error_message());
    return 0;
}

// CPython 3.11 sets the eval breaker for a pending call only if the thread that adds it may handle it,
// and only the main thread may (_Py_ThreadCanHandlePendingCalls): added from the I/O thread, the call
// waits until the main thread next takes the GIL again - forever in a loop that never blocks or prints.
// A thread asking for the GIL makes the main thread drop it within the switch interval, and retaking it
// recomputes the breaker on the main thread. A thread of its own: the main thread may hold the GIL in
// C code for long, and the I/O thread must never wait for it.
void wake_main_thread()
{
    std::thread([] { gil_guard gil; }).detach();
}

} // namespace

namespace
{

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

bool suspend_trigger::request(nlohmann::json request)
{
    if (request.value("origin", "") == "control")
        request["expires"] = now_seconds() + request.value("timeout", 10.0) + 1.0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending = std::move(request);
    }
    if (Py_AddPendingCall(pending_arm, nullptr) != 0)
        return false;
    wake_main_thread();
    return true;
}

std::optional<nlohmann::json> suspend_trigger::take(bool peek)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<nlohmann::json> r = m_pending;
    if (!peek)
        m_pending.reset();
    return r;
}

std::optional<nlohmann::json> suspend_trigger::take_expired()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_pending || !m_pending->contains("expires") || (*m_pending)["expires"].get<double>() > now_seconds())
        return std::nullopt;
    std::optional<nlohmann::json> r = std::move(m_pending);
    m_pending.reset();
    return r;
}

void suspend_trigger::keep(nlohmann::json request)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_pending)
        m_pending = std::move(request);
}

bool is_suspend_magic(const std::string& code)
{
    std::size_t start = code.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || code.compare(start, 8, "%suspend") != 0)
        return false;
    std::size_t after = start + 8;
    return after == code.size() || code[after] == ' ' || code[after] == '\t' || code[after] == '\n' ||
           code[after] == '\r';
}

} // namespace suspendable
