#include "fd_capture.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <system_error>
#include <unistd.h>

namespace suspendable
{

namespace
{

std::atomic<int> log_fd{2};

// Length of `data` without a UTF-8 sequence cut off at its end (at most 3 bytes are held back).
std::size_t complete_utf8_prefix(const std::string& data)
{
    std::size_t n = data.size();
    for (std::size_t back = 1; back <= 3 && back <= n; ++back)
    {
        unsigned char c = static_cast<unsigned char>(data[n - back]);
        if ((c & 0xC0) == 0x80)
            continue; // continuation byte: look further back for the lead byte
        std::size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        return need > back ? n - back : n;
    }
    return n;
}

void check(int rc, const char* what)
{
    if (rc < 0)
        throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

fd_capture::fd_capture(stream_buffer& streams) : m_streams(streams)
{
    for (int i = 0; i < 2; ++i)
    {
        int target = i + 1;
        int fds[2];
        check(pipe2(fds, O_CLOEXEC), "pipe2");
        m_saved[i] = fcntl(target, F_DUPFD_CLOEXEC, 3);
        check(m_saved[i], "dup");
        // The write end becomes fd 1/2 without O_CLOEXEC, so children (os.system) inherit it.
        check(dup2(fds[1], target), "dup2");
        close(fds[1]);
        m_read[i] = fds[0];
        fcntl(m_read[i], F_SETFL, O_NONBLOCK);
    }
    log_fd = m_saved[1];
    check(pipe2(m_stop, O_CLOEXEC), "pipe2");
    m_thread = std::thread([this] { reader(); });
}

fd_capture::~fd_capture()
{
    ssize_t n = write(m_stop[1], "x", 1);
    (void)n;
    if (m_thread.joinable())
        m_thread.join();
    drain();
    for (int i = 0; i < 2; ++i)
    {
        dup2(m_saved[i], i + 1);
        close(m_saved[i]);
        close(m_read[i]);
    }
    log_fd = 2;
    close(m_stop[0]);
    close(m_stop[1]);
}

void kernel_log(const std::string& line)
{
    std::string text = "suspendable kernel: " + line + "\n";
    ssize_t n = write(log_fd, text.data(), text.size());
    (void)n;
}

// A read may end inside a multi-byte character: its first bytes wait for the next read. Bytes that are
// not UTF-8 at all are replaced when the message is serialised (the kernel's JSON error handler).
bool fd_capture::read_once(int index, const char* name)
{
    char buffer[8192];
    ssize_t n;
    do
        n = read(m_read[index], buffer, sizeof(buffer));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    std::string& pending = m_pending[index];
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t complete = complete_utf8_prefix(pending);
    m_streams.write(name, std::string_view(pending.data(), complete));
    pending.erase(0, complete);
    return true;
}

void fd_capture::drain()
{
    std::lock_guard<std::mutex> lock(m_read_mutex);
    while (read_once(0, "stdout"))
    {
    }
    while (read_once(1, "stderr"))
    {
    }
}

void fd_capture::reader()
{
    pollfd fds[3] = {{m_read[0], POLLIN, 0}, {m_read[1], POLLIN, 0}, {m_stop[0], POLLIN, 0}};
    for (;;)
    {
        if (poll(fds, 3, -1) < 0)
        {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[2].revents)
            return;
        std::lock_guard<std::mutex> lock(m_read_mutex);
        if (fds[0].revents & POLLIN)
            read_once(0, "stdout");
        if (fds[1].revents & POLLIN)
            read_once(1, "stderr");
    }
}

} // namespace suspendable
