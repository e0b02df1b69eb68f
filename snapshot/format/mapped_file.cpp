#include "mapped_file.hpp"

#include "io.hpp"

#include <sys/mman.h>

namespace suspendable::format
{

mapped_file::mapped_file(int fd, size_t size, bool copy_on_write, const std::string& path) : m_size(size)
{
    int prot = PROT_READ | (copy_on_write ? PROT_WRITE : 0);
    void* p = ::mmap(nullptr, size, prot, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        throw_errno("cannot map", path);
    m_data = static_cast<uint8_t*>(p);
}

mapped_file::~mapped_file()
{
    ::munmap(m_data, m_size);
}

void mapped_file::advise_sequential(bool on) const
{
    ::madvise(m_data, m_size, on ? MADV_SEQUENTIAL : MADV_NORMAL);
}

} // namespace suspendable::format
