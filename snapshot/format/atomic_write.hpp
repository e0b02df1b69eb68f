// Crash-safe replacement of a file: the new content is written to an unnamed (or temporary) file in
// the same directory and becomes visible under the final name by rename(2) only after it is durable.
// A process killed at any instant leaves the previous file of that name untouched.
#pragma once

#include "io.hpp"

#include <string>

namespace suspendable::format
{

class atomic_file
{
public:
    // Created with mode 0600: snapshots hold the user's data.
    explicit atomic_file(const std::string& path);
    ~atomic_file();
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    int fd() const { return m_fd.get(); }
    // Reserves the blocks up front so that a full disk fails before anything is written.
    void reserve(uint64_t size);
    // fsync the data, give it the final name, fsync the directory (so the rename itself is durable).
    void commit();

private:
    void remove_stale_temporaries() const;

    std::string m_path, m_dir, m_temp; // m_temp is empty while the file is unnamed (O_TMPFILE)
    unique_fd m_dir_fd, m_fd;
    bool m_committed = false;
};

} // namespace suspendable::format
