// Output written straight to file descriptors 1 and 2 (os.system, subprocesses inheriting them, C
// extensions, faulthandler) reaches the notebook as stream output, as with ipykernel: both descriptors
// are replaced by pipes that a reader thread drains into the stream buffer. The kernel's own
// diagnostics keep going to the original stderr (log()).
#pragma once

#include "stream_buffer.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace suspendable
{

// The kernel's own diagnostics go to the stderr the kernel was started with (the Jupyter server's log),
// never into a notebook, whether or not fd 2 is captured.
void kernel_log(const std::string& line);

class fd_capture
{
public:
    // Replaces fds 1 and 2. Create after SIGINT is blocked (the reader thread inherits the mask).
    explicit fd_capture(stream_buffer& streams);
    ~fd_capture();
    fd_capture(const fd_capture&) = delete;
    fd_capture& operator=(const fd_capture&) = delete;

    // Moves whatever is readable in the pipes now into the stream buffer (end of a cell: output of a
    // child that just exited must belong to this cell, not the next).
    void drain();

private:
    void reader();
    bool read_once(int index, const char* name);

    stream_buffer& m_streams;
    int m_saved[2] = {-1, -1};
    int m_read[2] = {-1, -1};
    int m_stop[2] = {-1, -1}; // self-pipe that ends the reader
    std::mutex m_read_mutex;   // reader thread and drain() never read the same pipe at once
    std::string m_pending[2];  // an incomplete UTF-8 sequence at the end of the last read
    std::thread m_thread;
};

} // namespace suspendable
