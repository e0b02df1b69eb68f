#include "stream_buffer.hpp"

namespace suspendable
{

namespace
{
// Past this many buffered bytes the writer flushes itself: bounds memory and message size when a cell
// prints in a tight loop.
constexpr std::size_t flush_threshold = 64 * 1024;
} // namespace

void stream_buffer::write(std::string_view name, std::string_view text)
{
    if (text.empty())
        return;
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_chunks.empty() && m_chunks.back().first == name)
        m_chunks.back().second.append(text);
    else
        m_chunks.emplace_back(std::string(name), std::string(text));
    m_size += text.size();
    if (m_size >= flush_threshold)
        flush_locked();
}

void stream_buffer::flush()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    flush_locked();
}

void stream_buffer::flush_locked()
{
    for (auto& [name, text] : m_chunks)
        m_publish(name, text);
    m_chunks.clear();
    m_size = 0;
}

void stream_buffer::begin_request()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    flush_locked();
    m_active = true;
}

void stream_buffer::end_request()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    flush_locked();
    m_active = false;
}

void stream_buffer::tick()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_active)
        flush_locked();
}

} // namespace suspendable
