#include "atomic_write.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace suspendable::format
{

namespace
{

std::string directory_of(const std::string& path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path)
{
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string temp_name(const std::string& path)
{
    std::random_device rd;
    return "." + base_of(path) + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
}

} // namespace

atomic_file::atomic_file(const std::string& path) : m_path(path), m_dir(directory_of(path))
{
    if (base_of(path).empty())
    {
        errno = EISDIR;
        throw_errno("not a file name", path);
    }
    m_dir_fd = unique_fd(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!m_dir_fd)
        throw_errno("cannot open the directory", m_dir);
    // O_TMPFILE: a killed writer leaves no debris at all, the inode vanishes with the last descriptor.
    m_fd = unique_fd(::openat(m_dir_fd.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
    if (m_fd)
        return;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        throw_errno("cannot create a temporary file in", m_dir);
    // File systems without O_TMPFILE: a named temporary, removed on failure.
    m_temp = temp_name(path);
    m_fd = unique_fd(::openat(m_dir_fd.get(), m_temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
    if (!m_fd)
        throw_errno("cannot create a temporary file", m_dir + "/" + m_temp);
}

atomic_file::~atomic_file()
{
    if (!m_committed && !m_temp.empty())
        ::unlinkat(m_dir_fd.get(), m_temp.c_str(), 0);
}

void atomic_file::reserve(uint64_t size)
{
    if (::fallocate(m_fd.get(), 0, 0, static_cast<off_t>(size)) != 0 && errno != EOPNOTSUPP &&
        errno != ENOSYS)
        throw_errno("cannot reserve " + std::to_string(size) + " bytes", m_path);
}

void atomic_file::commit()
{
    fsync_or_throw(m_fd.get(), m_path);
    if (m_temp.empty())
    {
        // An unnamed file gets a temporary name first: linkat cannot replace an existing name.
        m_temp = temp_name(m_path);
        std::string proc = "/proc/self/fd/" + std::to_string(m_fd.get());
        if (::linkat(AT_FDCWD, proc.c_str(), m_dir_fd.get(), m_temp.c_str(), AT_SYMLINK_FOLLOW) != 0)
        {
            m_temp.clear();
            throw_errno("cannot link the temporary file into", m_dir);
        }
    }
    if (::renameat(m_dir_fd.get(), m_temp.c_str(), m_dir_fd.get(), base_of(m_path).c_str()) != 0)
        throw_errno("cannot rename the temporary file to", m_path);
    m_committed = true;
    fsync_or_throw(m_dir_fd.get(), m_dir);
    remove_stale_temporaries();
}

void atomic_file::remove_stale_temporaries() const
{
    // A writer killed between linkat and renameat (a few microseconds) leaves its temporary name
    // behind; the next successful write of the same file removes those of dead processes.
    std::string prefix = "." + base_of(m_path) + ".tmp-";
    int fd = ::openat(m_dir_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = fd < 0 ? nullptr : ::fdopendir(fd);
    if (dir == nullptr)
    {
        if (fd >= 0)
            ::close(fd);
        return;
    }
    while (const dirent* e = ::readdir(dir))
    {
        std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0)
            continue;
        pid_t pid = static_cast<pid_t>(std::strtol(name.c_str() + prefix.size(), nullptr, 10));
        if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
            ::unlinkat(m_dir_fd.get(), name.c_str(), 0);
    }
    ::closedir(dir);
}

} // namespace suspendable::format
