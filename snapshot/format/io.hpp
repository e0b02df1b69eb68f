// File descriptors and positional I/O with the error handling every caller needs (EINTR, short
// transfers), reporting failures as io_error (errno + path) for the Python boundary to turn into OSError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

namespace suspendable::format
{

class io_error : public std::system_error
{
public:
    io_error(int err, const std::string& what, const std::string& path)
        : std::system_error(err, std::generic_category(), path + ": " + what), m_path(path)
    {
    }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// Throws io_error from errno.
[[noreturn]] void throw_errno(const std::string& what, const std::string& path);

class unique_fd
{
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : m_fd(fd) {}
    unique_fd(unique_fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept
    {
        if (this != &o)
        {
            reset();
            m_fd = std::exchange(o.m_fd, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }
    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    void reset();

private:
    int m_fd = -1;
};

unique_fd open_read(const std::string& path);
uint64_t file_size(int fd, const std::string& path);
// Reads exactly n bytes at offset (the caller checked the file is long enough).
void pread_all(int fd, void* dst, size_t n, uint64_t offset, const std::string& path);
void pwrite_all(int fd, const void* src, size_t n, uint64_t offset, const std::string& path);
void fsync_or_throw(int fd, const std::string& path);

} // namespace suspendable::format
