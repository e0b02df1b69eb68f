#include "writer.hpp"

#include "atomic_write.hpp"
#include "compress.hpp"
#include "digest.hpp"
#include "sections.hpp"

#include <chrono>
#include <cstring>
#include <fcntl.h>

namespace suspendable::format
{

namespace
{

// Hash and write in slices small enough to still be in cache when write(2) copies them.
constexpr size_t slice = size_t(1) << 20;
// Start writeback every this many bytes, so that the disk works while we hash and copy the next ones
// instead of all of it waiting for the final fsync (which then has little left to do).
constexpr size_t writeback_batch = size_t(16) << 20;

digest hash_and_write(int fd, byte_span data, uint64_t offset, const std::string& path)
{
    sha256 h;
    size_t unflushed_from = 0;
    for (size_t done = 0; done < data.size;)
    {
        size_t n = std::min(slice, data.size - done);
        h.update(data.data + done, n);
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
    return h.finish();
}

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
    std::vector<byte_span> payload = {{reinterpret_cast<const uint8_t*>(r.manifest_json.data()), r.manifest_json.size()},
                                      pickle};
    payload.insert(payload.end(), r.buffers.begin(), r.buffers.end());

    std::vector<section> sections(payload.size());
    for (size_t i = 0; i < payload.size(); ++i)
    {
        sections[i].kind = i == 0 ? section_kind::manifest : i == 1 ? section_kind::pickle : section_kind::buffer;
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
    // Padding is never written: the reserved (or sparse) gaps read back as zeros.
    for (size_t i = 0; i < payload.size(); ++i)
        sections[i].sha256 = hash_and_write(out.fd(), payload[i], sections[i].offset, path);
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
