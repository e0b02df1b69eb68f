// The fixed 192-byte header: encoding, and the checks that give each kind of bad file its own error.
#include "header.hpp"

#include "bytes.hpp"
#include "digest.hpp"

#include <cctype>
#include <cstring>
#include <sys/utsname.h>

namespace suspendable::format
{

namespace
{

constexpr size_t platform_offset = 64, platform_size = 32;
constexpr size_t table_digest_offset = 96, checksum_offset = 128;

[[noreturn]] void fail(error_kind kind, const std::string& name, const std::string& what)
{
    throw format_error(kind, name + ": " + what);
}

std::string decode_platform(const uint8_t* p)
{
    std::string s(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), platform_size));
    for (char c : s)
        if (!std::isprint(static_cast<unsigned char>(c)))
            return "";
    return s;
}

} // namespace

std::string python_version_string(uint32_t hexversion)
{
    std::string s = std::to_string(hexversion >> 24) + "." + std::to_string((hexversion >> 16) & 0xff) + "." +
                    std::to_string((hexversion >> 8) & 0xff);
    uint32_t level = (hexversion >> 4) & 0xf, serial = hexversion & 0xf;
    if (level == 0xa || level == 0xb || level == 0xc)
        s += std::string(level == 0xa ? "a" : level == 0xb ? "b" : "rc") + std::to_string(serial);
    return s;
}

uint32_t bytecode_number(uint32_t bytecode_magic)
{
    return bytecode_magic & 0xffff;
}

std::string current_platform()
{
    utsname u{};
    if (uname(&u) != 0)
        return "unknown";
    std::string s = std::string(u.sysname) + "-" + u.machine;
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.substr(0, platform_size - 1);
}

std::array<uint8_t, header_size> encode_header(const header& h)
{
    std::array<uint8_t, header_size> b{};
    std::memcpy(b.data(), magic, magic_size);
    put_le<uint32_t>(&b[16], h.version);
    put_le<uint32_t>(&b[20], h.size);
    put_le<uint32_t>(&b[24], h.python.hexversion);
    put_le<uint32_t>(&b[28], h.python.bytecode_magic);
    put_le<int64_t>(&b[32], h.created_ns);
    put_le<uint64_t>(&b[40], h.file_size);
    put_le<uint64_t>(&b[48], h.table_offset);
    put_le<uint32_t>(&b[56], h.table_size);
    put_le<uint32_t>(&b[60], h.section_count);
    std::memcpy(&b[platform_offset], h.platform.data(), std::min(h.platform.size(), platform_size - 1));
    std::memcpy(&b[table_digest_offset], h.table_sha256.data(), digest_size);
    digest checksum = sha256_of(b.data(), checksum_offset);
    std::memcpy(&b[checksum_offset], checksum.data(), digest_size);
    std::memcpy(&b[hmac_offset], h.hmac.data(), digest_size);
    return b;
}

header decode_header(const uint8_t* data, size_t available, uint64_t actual_size, const std::string& name)
{
    // The order of the checks decides the message: the most specific explanation wins.
    if (actual_size == 0)
        fail(error_kind::empty, name,
             "the file is empty (0 bytes): not a snapshot, or a save that never started");
    size_t magic_seen = std::min(available, magic_size);
    if (std::memcmp(data, magic, magic_seen) != 0)
        fail(error_kind::not_snapshot, name,
             "not a suspendable snapshot (wrong magic bytes at the start of the file)");
    if (available < magic_size + 4)
        fail(error_kind::truncated, name,
             "truncated: " + std::to_string(actual_size) + " bytes, shorter than the snapshot header");
    header h;
    h.version = get_le<uint32_t>(data + 16);
    if (h.version == 0)
        fail(error_kind::not_snapshot, name, "not a suspendable snapshot (format version 0 does not exist)");
    if (h.version > format_version)
        fail(error_kind::future_format, name,
             "written in snapshot format version " + std::to_string(h.version) +
                 ", newer than this suspendable reads (up to version " + std::to_string(format_version) +
                 "): open it with a newer suspendable");
    if (available < header_size)
        fail(error_kind::truncated, name,
             "truncated: " + std::to_string(actual_size) + " bytes, shorter than the " +
                 std::to_string(header_size) + "-byte snapshot header");
    digest stored{};
    std::memcpy(stored.data(), data + checksum_offset, digest_size);
    if (!digests_equal(stored, sha256_of(data, checksum_offset)))
        fail(error_kind::checksum, name, "checksum mismatch in the header: the file is corrupted");
    h.size = get_le<uint32_t>(data + 20);
    h.python.hexversion = get_le<uint32_t>(data + 24);
    h.python.bytecode_magic = get_le<uint32_t>(data + 28);
    h.created_ns = get_le<int64_t>(data + 32);
    h.file_size = get_le<uint64_t>(data + 40);
    h.table_offset = get_le<uint64_t>(data + 48);
    h.table_size = get_le<uint32_t>(data + 56);
    h.section_count = get_le<uint32_t>(data + 60);
    h.platform = decode_platform(data + platform_offset);
    std::memcpy(h.table_sha256.data(), data + table_digest_offset, digest_size);
    std::memcpy(h.hmac.data(), data + hmac_offset, digest_size);
    // A header whose checksum holds but whose fields are inconsistent was written by something else
    // than this format's writer: still a corrupt file, never an out-of-bounds read.
    if (h.size != header_size || h.section_count < 2 || h.section_count > max_sections ||
        h.table_size != uint64_t(h.section_count) * table_entry_size || h.table_offset < header_size ||
        h.table_offset % alignment != 0 || h.table_offset > UINT64_MAX - h.table_size ||
        h.file_size != h.table_offset + h.table_size)
        fail(error_kind::checksum, name, "inconsistent header fields: the file is corrupted");
    if (actual_size < h.file_size)
        fail(error_kind::truncated, name,
             "truncated: " + std::to_string(actual_size) + " of " + std::to_string(h.file_size) +
                 " bytes (an interrupted copy or download?)");
    if (actual_size > h.file_size)
        fail(error_kind::checksum, name,
             std::to_string(actual_size - h.file_size) + " unexpected bytes after the end of the snapshot");
    return h;
}

} // namespace suspendable::format
