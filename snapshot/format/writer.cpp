#include "writer.hpp"

#include "atomic_write.hpp"
#include "compress.hpp"
#include "digest.hpp"
#include "sections.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <fcntl.h>

namespace suspendable::format
{

namespace
{

// Start writeback every this many bytes, so that the disk works while we copy the next ones instead
// of all of it waiting for the final fsync.
constexpr size_t writeback_batch = size_t(16) << 20;
constexpr size_t slice = size_t(4) << 20;
// Below this, a hashing thread costs more than it saves.
constexpr uint64_t parallel_hash_threshold = uint64_t(4) << 20;

void write_section(int fd, byte_span data, uint64_t offset, const std::string& path)
{
    size_t unflushed_from = 0;
    for (size_t done = 0; done < data.size;)
    {
        size_t n = std::min(slice, data.size - done);
        pwrite_all(fd, data.data + done, n, offset + done, path);
        done += n;
        if (done - unflushed_from >= writeback_batch)
        {
            // Asynchronous and advisory: errors surface at the fsync in commit().
            ::sync_file_range(fd, static_cast<off_t>(offset + unflushed_from),
                              static_cast<off_t>(done - unflushed_from), SYNC_FILE_RANGE_WRITE);
            unflushed_from = done;
        }
    }
}

// SHA-256 of every section, computed on its own thread while the caller writes them: hashing and
// copying into the page cache are the CPU part of a write, and they need not take turns. Once the
// caller has written everything it hashes too (digests()): both threads claim the sections nobody has
// started, so with several buffers the hashing ends about when the slower of writing and half the
// hashing does, instead of waiting for one thread to hash them all (SHA-256 runs at ~1.5 GB/s per
// core, about the disk's speed, and the machine's other load takes its share of the core).
class section_hasher
{
public:
    explicit section_hasher(const std::vector<byte_span>& payload)
        : m_payload(payload), m_digests(payload.size())
    {
        uint64_t total = 0;
        for (const byte_span& b : payload)
            total += b.size;
        if (total >= parallel_hash_threshold)
            m_thread = std::thread([this] { work(); });
        else
            work();
    }
    // Joins on every path (an I/O error unwinding the writer included), after the current section.
    ~section_hasher()
    {
        m_next.store(m_payload.size());
        if (m_thread.joinable())
            m_thread.join();
    }
    section_hasher(const section_hasher&) = delete;
    section_hasher& operator=(const section_hasher&) = delete;

    std::vector<digest> digests()
    {
        work();
        if (m_thread.joinable())
            m_thread.join();
        if (m_failure)
            std::rethrow_exception(m_failure);
        return m_digests;
    }

private:
    void work()
    {
        try
        {
            for (size_t i; (i = m_next.fetch_add(1)) < m_payload.size();)
                m_digests[i] = sha256_of(m_payload[i].data, m_payload[i].size);
        }
        catch (...)
        {
            std::lock_guard<std::mutex> lock(m_failure_mutex);
            if (!m_failure)
                m_failure = std::current_exception();
        }
    }

    const std::vector<byte_span>& m_payload;
    std::vector<digest> m_digests;
    std::atomic<size_t> m_next{0};
    std::mutex m_failure_mutex;
    std::exception_ptr m_failure;
    std::thread m_thread;
};

int64_t now_ns()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

uint64_t write_snapshot(const std::string& path, const write_request& r, const signing_key& key)
{
    std::vector<uint8_t> compressed;
    byte_span pickle = r.pickle;
    if (r.compress)
    {
        compressed = zstd_compress(r.pickle.data, r.pickle.size, r.compress_level);
        pickle = {compressed.data(), compressed.size()};
    }
    std::vector<byte_span> payload = {
        {reinterpret_cast<const uint8_t*>(r.manifest_json.data()), r.manifest_json.size()}, pickle};
    payload.insert(payload.end(), r.buffers.begin(), r.buffers.end());

    std::vector<section> sections(payload.size());
    for (size_t i = 0; i < payload.size(); ++i)
    {
        sections[i].kind = i == 0   ? section_kind::manifest
                           : i == 1 ? section_kind::pickle
                                    : section_kind::buffer;
        sections[i].stored_size = payload[i].size;
        sections[i].raw_size = payload[i].size;
    }
    if (r.compress)
    {
        sections[1].flags = section_zstd;
        sections[1].raw_size = r.pickle.size;
    }
    header h;
    lay_out(sections, h.table_offset);
    h.section_count = static_cast<uint32_t>(sections.size());
    h.table_size = static_cast<uint32_t>(sections.size() * table_entry_size);
    h.file_size = h.table_offset + h.table_size;
    h.python = r.python;
    h.created_ns = r.created_ns != 0 ? r.created_ns : now_ns();
    h.platform = r.platform.empty() ? current_platform() : r.platform;

    atomic_file out(path);
    out.reserve(h.file_size);
    section_hasher hasher(payload);
    // Padding is never written: the reserved (or sparse) gaps read back as zeros.
    for (size_t i = 0; i < payload.size(); ++i)
        write_section(out.fd(), payload[i], sections[i].offset, path);
    std::vector<digest> digests = hasher.digests();
    for (size_t i = 0; i < payload.size(); ++i)
        sections[i].sha256 = digests[i];
    std::vector<uint8_t> table = encode_table(sections);
    h.table_sha256 = sha256_of(table.data(), table.size());
    pwrite_all(out.fd(), table.data(), table.size(), h.table_offset, path);
    auto encoded = encode_header(h);
    digest mac = sign_header(key, encoded.data());
    std::memcpy(&encoded[hmac_offset], mac.data(), mac.size());
    pwrite_all(out.fd(), encoded.data(), encoded.size(), 0, path);
    out.commit();
    return h.file_size;
}

} // namespace suspendable::format
