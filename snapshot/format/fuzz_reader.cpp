// libFuzzer target over the reader: header, section table, manifest, section digests, padding,
// signature and pickle decompression. Any format_error is a correct refusal; anything else (a crash,
// a sanitizer report, another exception escaping) is a bug.
//
// The first input byte picks a mode. Mode 0 reads the rest as is. Mode 1 first repairs every checksum,
// digest and the signature (with a fixed key), so that mutations reach the structural checks behind
// them instead of all stopping at the header checksum.
#include "bytes.hpp"
#include "compress.hpp"
#include "digest.hpp"
#include "reader.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

using namespace suspendable::format;

namespace
{

const signing_key fuzz_key = []
{
    signing_key k;
    k.bytes.fill(0x5a);
    return k;
}();

bool in_range(uint64_t offset, uint64_t size, size_t total)
{
    return offset <= total && size <= total - offset;
}

// Recomputes, in order, section digests, the table digest, the header checksum and the HMAC.
void repair(std::vector<uint8_t>& f)
{
    if (f.size() < header_size || std::memcmp(f.data(), magic, magic_size) != 0)
        return;
    uint64_t table_offset = get_le<uint64_t>(&f[48]);
    uint32_t table_size = get_le<uint32_t>(&f[56]);
    if (in_range(table_offset, table_size, f.size()))
    {
        for (uint64_t e = table_offset; e + table_entry_size <= table_offset + table_size;
             e += table_entry_size)
        {
            uint64_t off = get_le<uint64_t>(&f[e + 8]), size = get_le<uint64_t>(&f[e + 16]);
            if (in_range(off, size, f.size()))
            {
                digest d = sha256_of(f.data() + off, size);
                std::memcpy(&f[e + 32], d.data(), digest_size);
            }
        }
        digest t = sha256_of(f.data() + table_offset, table_size);
        std::memcpy(&f[96], t.data(), digest_size);
    }
    digest c = sha256_of(f.data(), 128);
    std::memcpy(&f[128], c.data(), digest_size);
    digest mac = hmac_sha256(fuzz_key.bytes.data(), fuzz_key.bytes.size(), f.data(), signed_header_size);
    std::memcpy(&f[hmac_offset], mac.data(), digest_size);
}

void read_everything(const std::vector<uint8_t>& f)
{
    memory_source src(f.data(), f.size());
    snapshot_info info = read_info(src, "fuzz.snap");
    check_signature(info, fuzz_key, "fuzz.snap");
    verify_sections(f.data(), info, "fuzz.snap");
    (void)nlohmann::json::parse(info.manifest_json, nullptr, false);
    const section& p = info.sections[1];
    // Decompression allocates raw_size: cap it so the fuzzer's memory limit measures leaks, not claims.
    if ((p.flags & section_zstd) && p.raw_size <= (size_t(64) << 20))
    {
        std::vector<uint8_t> out(p.raw_size);
        zstd_decompress(f.data() + p.offset, p.stored_size, out.data(), out.size(), "fuzz.snap");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    std::vector<uint8_t> file(data + 1, data + size);
    if (data[0] & 1)
        repair(file);
    try
    {
        read_everything(file);
    }
    catch (const format_error&)
    {
    }
    return 0;
}
