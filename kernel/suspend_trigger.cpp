#include "suspend_trigger.hpp"

#include "frames/frame_engine.hpp"

namespace suspendable
{

suspend_trigger& suspend_trigger::instance()
{
    static suspend_trigger trigger;
    return trigger;
}

bool suspend_trigger::request(nlohmann::json request)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending = std::move(request);
    }
    return frames::request_from_any_thread();
}

std::optional<nlohmann::json> suspend_trigger::take()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<nlohmann::json> r = std::move(m_pending);
    m_pending.reset();
    return r;
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
