// stdout/stderr of the running cell, batched into `stream` messages. Python writes from the main thread;
// the I/O thread flushes every tick, so output appears while the cell runs (not only at its end) without
// one message per print().
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace suspendable
{

class stream_buffer
{
public:
    using publisher = std::function<void(const std::string& name, const std::string& text)>;

    explicit stream_buffer(publisher publish) : m_publish(std::move(publish)) {}

    void write(std::string_view name, std::string_view text);
    // Publishes what is buffered, in write order. Any thread.
    void flush();
    // Streams belong to the request being executed; outside one, timed flushes are off because the
    // kernel core's parent header is changing (the next flush happens on the main thread).
    void begin_request();
    void end_request();
    // I/O thread, every tick.
    void tick();

private:
    void flush_locked();

    std::mutex m_mutex;
    std::vector<std::pair<std::string, std::string>> m_chunks; // consecutive writes to one stream merged
    std::size_t m_size = 0;
    bool m_active = false;
    publisher m_publish;
};

} // namespace suspendable
