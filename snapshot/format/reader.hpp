// Reading a snapshot: header, table and manifest (cheap, never the pickle), then on demand the full
// verification of every section and of the signature.
#pragma once

#include "format.hpp"
#include "io.hpp"
#include "signature.hpp"

#include <optional>

namespace suspendable::format
{

// Where the bytes come from: a file, or memory (the fuzz target).
class source
{
public:
    virtual ~source() = default;
    virtual uint64_t size() const = 0;
    virtual void read(uint64_t offset, void* dst, size_t n) const = 0;
};

class file_source : public source
{
public:
    explicit file_source(const std::string& path);
    uint64_t size() const override { return m_size; }
    void read(uint64_t offset, void* dst, size_t n) const override;
    int fd() const { return m_fd.get(); }

private:
    std::string m_path;
    unique_fd m_fd;
    uint64_t m_size;
};

class memory_source : public source
{
public:
    memory_source(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    uint64_t size() const override { return m_size; }
    void read(uint64_t offset, void* dst, size_t n) const override;

private:
    const uint8_t* m_data;
    size_t m_size;
};

struct snapshot_info
{
    header hdr;
    std::array<uint8_t, header_size> raw_header{};
    std::vector<section> sections;
    std::string manifest_json; // checksum verified
};

// Header, table and manifest, each checksum-verified. Throws format_error naming `name`.
snapshot_info read_info(const source& src, const std::string& name);

bool python_matches(const header& h, const python_id& current);
void check_python(const header& h, const python_id& current, const std::string& name);

bool signature_matches(const snapshot_info& info, const signing_key& key);
// Throws the "signed with another key or modified" error (also when this user has no key yet).
void check_signature(const snapshot_info& info, const std::optional<signing_key>& key,
                     const std::string& name);

// The digests of the pickle and (if `buffers`) buffer sections, and the zero padding between sections,
// over the whole file in memory.
void verify_sections(const uint8_t* file, const snapshot_info& info, const std::string& name,
                     bool buffers = true);

// `suspendable trust`: verify every checksum (a corrupted file is not trusted), then re-sign the header
// in place with `key`. Returns false when the file was already signed with it.
bool trust_file(const std::string& path, const signing_key& key);

} // namespace suspendable::format
