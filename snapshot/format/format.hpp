// The snapshot file format (see FORMAT.md): the Python-free core shared by the `_suspendable_format`
// module, the `suspendable trust` command, the unit tests and the fuzz target.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace suspendable::format
{

constexpr uint32_t format_version = 1;
constexpr size_t magic_size = 16;
// PNG-style: a high-bit byte (7-bit transports), CR LF (newline translation), ^Z (DOS type), LF.
constexpr char magic[magic_size + 1] = "\x89SUSPENDABLE\r\n\x1a\n";
constexpr size_t header_size = 192;
constexpr size_t alignment = 64;
constexpr size_t table_entry_size = 64;
constexpr size_t digest_size = 32;

using digest = std::array<uint8_t, digest_size>;

// Each way a file can be refused; the Python module maps every kind to its own exception class.
enum class error_kind
{
    empty,
    truncated,
    not_snapshot,
    future_format,
    wrong_python,
    checksum,
    signature,
};

class format_error : public std::runtime_error
{
public:
    format_error(error_kind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    error_kind kind() const { return m_kind; }

private:
    error_kind m_kind;
};

// The interpreter a snapshot belongs to: frames and code objects are only valid on the same CPython
// minor version with the same bytecode.
struct python_id
{
    uint32_t hexversion = 0;     // PY_VERSION_HEX
    uint32_t bytecode_magic = 0; // PyImport_GetMagicNumber(): 2-byte magic + "\r\n"
};

std::string python_version_string(uint32_t hexversion);
uint32_t bytecode_number(uint32_t bytecode_magic); // the 2-byte number (3495 for 3.11)

struct header
{
    uint32_t version = format_version;
    uint32_t size = header_size;
    python_id python;
    int64_t created_ns = 0;
    uint64_t file_size = 0;
    uint64_t table_offset = 0;
    uint32_t table_size = 0;
    uint32_t section_count = 0;
    std::string platform; // "linux-x86_64", at most 31 bytes
    digest table_sha256{};
    digest hmac{};
};

std::array<uint8_t, header_size> encode_header(const header& h);
// The part of the encoded header the HMAC covers (everything before the HMAC itself).
constexpr size_t signed_header_size = 160;
constexpr size_t hmac_offset = 160;

enum class section_kind : uint32_t
{
    manifest = 1,
    pickle = 2,
    buffer = 3,
};
constexpr uint32_t section_zstd = 1;

struct section
{
    section_kind kind = section_kind::buffer;
    uint32_t flags = 0;
    uint64_t offset = 0;
    uint64_t stored_size = 0; // bytes in the file
    uint64_t raw_size = 0;    // bytes after decompression
    digest sha256{};
};

std::vector<uint8_t> encode_table(const std::vector<section>& sections);

// "manifest", "pickle", "buffer 3": how error messages name a section.
std::string section_name(const std::vector<section>& sections, size_t index);

inline uint64_t align_up(uint64_t n)
{
    return (n + alignment - 1) & ~uint64_t(alignment - 1);
}

// Where this machine's snapshots come from (uname: "linux-x86_64").
std::string current_platform();

} // namespace suspendable::format
