#include "reader.hpp"

#include "digest.hpp"
#include "header.hpp"
#include "mapped_file.hpp"
#include "sections.hpp"

#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>

namespace suspendable::format
{

namespace
{

[[noreturn]] void mismatch(const std::string& name, const std::string& what)
{
    throw format_error(error_kind::checksum, name + ": checksum mismatch in the " + what +
                                                 ": the file is corrupted or was modified");
}

void check_padding(const uint8_t* file, uint64_t from, uint64_t to, const std::string& name,
                   const std::string& what)
{
    for (uint64_t i = from; i < to; ++i)
        if (file[i] != 0)
            throw format_error(error_kind::checksum, name + ": non-zero padding after the " + what +
                                                         ": the file is corrupted or was modified");
}

} // namespace

file_source::file_source(const std::string& path) : m_path(path), m_fd(open_read(path))
{
    m_size = file_size(m_fd.get(), path);
}

void file_source::read(uint64_t offset, void* dst, size_t n) const
{
    pread_all(m_fd.get(), dst, n, offset, m_path);
}

void memory_source::read(uint64_t offset, void* dst, size_t n) const
{
    if (n == 0)
        return; // an empty source has no data pointer to copy from
    if (offset > m_size || n > m_size - offset)
        throw std::out_of_range("memory_source: read past the end");
    std::memcpy(dst, m_data + offset, n);
}

snapshot_info read_info(const source& src, const std::string& name)
{
    snapshot_info info;
    uint64_t size = src.size();
    size_t available = static_cast<size_t>(std::min<uint64_t>(size, header_size));
    src.read(0, info.raw_header.data(), available);
    info.hdr = decode_header(info.raw_header.data(), available, size, name);

    std::vector<uint8_t> table(info.hdr.table_size);
    src.read(info.hdr.table_offset, table.data(), table.size());
    if (!digests_equal(sha256_of(table.data(), table.size()), info.hdr.table_sha256))
        mismatch(name, "section table");
    info.sections = decode_table(table.data(), info.hdr, name);

    const section& m = info.sections[0];
    info.manifest_json.resize(m.stored_size);
    src.read(m.offset, info.manifest_json.data(), m.stored_size);
    if (!digests_equal(sha256_of(info.manifest_json.data(), m.stored_size), m.sha256))
        mismatch(name, "manifest");
    return info;
}

bool python_matches(const header& h, const python_id& current)
{
    return (h.python.hexversion >> 16) == (current.hexversion >> 16) &&
           h.python.bytecode_magic == current.bytecode_magic;
}

void check_python(const header& h, const python_id& current, const std::string& name)
{
    if (python_matches(h, current))
        return;
    auto describe = [](const python_id& p)
    {
        return "CPython " + python_version_string(p.hexversion) + " (bytecode magic " +
               std::to_string(bytecode_number(p.bytecode_magic)) + ")";
    };
    throw format_error(error_kind::wrong_python,
                       name + ": written by " + describe(h.python) + ", but this is " + describe(current) +
                           ": resume it with CPython " + std::to_string(h.python.hexversion >> 24) + "." +
                           std::to_string((h.python.hexversion >> 16) & 0xff));
}

bool signature_matches(const snapshot_info& info, const signing_key& key)
{
    return digests_equal(sign_header(key, info.raw_header.data()), info.hdr.hmac);
}

void check_signature(const snapshot_info& info, const std::optional<signing_key>& key,
                     const std::string& name)
{
    if (key && signature_matches(info, *key))
        return;
    throw format_error(error_kind::signature,
                       name +
                           ": bad signature: signed with another key or modified; run `suspendable trust " +
                           name + "` if you trust it");
}

namespace
{

// Hashes the sections selected by `wanted` on a few threads (sections are independent), returning
// which ones match. Large snapshots usually have several big buffers, so this divides resume time.
std::vector<char> hash_sections(const uint8_t* file, const std::vector<section>& sections,
                                const std::vector<char>& wanted)
{
    std::vector<char> ok(sections.size(), 1);
    uint64_t total = 0;
    for (size_t i = 0; i < sections.size(); ++i)
        total += wanted[i] ? sections[i].stored_size : 0;
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    auto work = [&]
    {
        try
        {
            for (size_t i; (i = next++) < sections.size();)
                if (wanted[i])
                    ok[i] = digests_equal(sha256_of(file + sections[i].offset, sections[i].stored_size),
                                          sections[i].sha256);
        }
        catch (...)
        {
            std::lock_guard<std::mutex> l(failure_lock);
            failure = std::current_exception();
        }
    };
    // Threads only pay off for big files; never more than the machine has, nor than 4.
    unsigned helpers = total < (uint64_t(64) << 20)
                           ? 0
                           : std::min(3u, std::max(1u, std::thread::hardware_concurrency()) - 1);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < helpers; ++t)
        pool.emplace_back(work);
    work();
    for (std::thread& t : pool)
        t.join();
    if (failure)
        std::rethrow_exception(failure);
    return ok;
}

} // namespace

void verify_sections(const uint8_t* file, const snapshot_info& info, const std::string& name, bool buffers)
{
    const auto& sections = info.sections;
    std::vector<char> wanted(sections.size());
    for (size_t i = 1; i < sections.size(); ++i) // the manifest was read_info's
        wanted[i] = buffers || sections[i].kind != section_kind::buffer;
    std::vector<char> ok = hash_sections(file, sections, wanted);
    // Reported in file order, so the message does not depend on thread timing.
    for (size_t i = 0; i < sections.size(); ++i)
    {
        const section& s = sections[i];
        if (!ok[i])
            mismatch(name, section_name(sections, i) + " section");
        uint64_t next = i + 1 < sections.size() ? sections[i + 1].offset : info.hdr.table_offset;
        check_padding(file, s.offset + s.stored_size, next, name, section_name(sections, i) + " section");
    }
}

bool trust_file(const std::string& path, const signing_key& key)
{
    // Opened for writing first, and checked to be the file that is verified: a rename in between
    // must not make us sign a file we never looked at.
    unique_fd rw(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!rw)
        throw_errno("cannot open for re-signing", path);
    file_source src(path);
    struct stat a
    {
    }, b{};
    if (::fstat(rw.get(), &a) != 0 || ::fstat(src.fd(), &b) != 0 || a.st_ino != b.st_ino ||
        a.st_dev != b.st_dev)
        throw std::runtime_error(path + ": the file changed while it was being trusted; try again");
    snapshot_info info = read_info(src, path);
    {
        mapped_file map(src.fd(), info.hdr.file_size, false, path);
        map.advise_sequential(true);
        verify_sections(map.data(), info, path);
    }
    if (signature_matches(info, key))
        return false;
    digest mac = sign_header(key, info.raw_header.data());
    // 32 bytes inside the first sector: the write is atomic on every disk we care about, so a crash
    // leaves either the old or the new signature, never a torn file.
    pwrite_all(rw.get(), mac.data(), mac.size(), hmac_offset, path);
    fsync_or_throw(rw.get(), path);
    return true;
}

} // namespace suspendable::format
