// A whole file memory-mapped, unmapped on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace suspendable::format
{

class mapped_file
{
public:
    // copy_on_write: MAP_PRIVATE + PROT_WRITE, so resumed arrays are writable without touching the
    // file; otherwise read-only. Pages are read lazily, on first access.
    mapped_file(int fd, size_t size, bool copy_on_write, const std::string& path);
    ~mapped_file();
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;

    uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    // Hint for a sequential pass (verification), then back to normal for random access.
    void advise_sequential(bool on) const;

private:
    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace suspendable::format
