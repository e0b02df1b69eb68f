#include "io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace suspendable::format
{

void throw_errno(const std::string& what, const std::string& path)
{
    throw io_error(errno, what, path);
}

void unique_fd::reset()
{
    if (m_fd >= 0)
        ::close(std::exchange(m_fd, -1));
}

unique_fd open_read(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw_errno("cannot open", path);
    unique_fd f(fd);
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0)
        throw_errno("cannot stat", path);
    // A directory or a FIFO would make pread fail or block: refuse it up front.
    if (!S_ISREG(st.st_mode))
    {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        throw_errno("not a regular file", path);
    }
    return f;
}

uint64_t file_size(int fd, const std::string& path)
{
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0)
        throw_errno("cannot stat", path);
    return static_cast<uint64_t>(st.st_size);
}

void pread_all(int fd, void* dst, size_t n, uint64_t offset, const std::string& path)
{
    auto* p = static_cast<char*>(dst);
    while (n > 0)
    {
        ssize_t got = ::pread(fd, p, n, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw_errno("read failed", path);
        if (got == 0)
        {
            // The file shrank under us (another process truncated it).
            errno = EIO;
            throw_errno("unexpected end of file", path);
        }
        p += got;
        n -= static_cast<size_t>(got);
        offset += static_cast<uint64_t>(got);
    }
}

void pwrite_all(int fd, const void* src, size_t n, uint64_t offset, const std::string& path)
{
    auto* p = static_cast<const char*>(src);
    while (n > 0)
    {
        ssize_t put = ::pwrite(fd, p, n, static_cast<off_t>(offset));
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            throw_errno("write failed", path);
        p += put;
        n -= static_cast<size_t>(put);
        offset += static_cast<uint64_t>(put);
    }
}

void fsync_or_throw(int fd, const std::string& path)
{
    while (::fsync(fd) != 0)
    {
        if (errno != EINTR)
            throw_errno("fsync failed", path);
    }
}

} // namespace suspendable::format
