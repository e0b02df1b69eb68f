#include "compress.hpp"

#include "format.hpp"

#include <zstd.h>

namespace suspendable::format
{

std::vector<uint8_t> zstd_compress(const uint8_t* data, size_t size, int level)
{
    std::vector<uint8_t> out(ZSTD_compressBound(size));
    size_t n = ZSTD_compress(out.data(), out.size(), data, size, level);
    if (ZSTD_isError(n))
        throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

void zstd_decompress(const uint8_t* src, size_t size, uint8_t* dst, size_t raw_size, const std::string& name)
{
    // The frame must declare exactly the size the (checksummed) table promised.
    unsigned long long declared = ZSTD_getFrameContentSize(src, size);
    if (declared != raw_size)
        throw format_error(error_kind::checksum,
                           name + ": the compressed pickle section is corrupted (size mismatch)");
    size_t n = ZSTD_decompress(dst, raw_size, src, size);
    if (ZSTD_isError(n) || n != raw_size)
        throw format_error(error_kind::checksum, name + ": the compressed pickle section is corrupted (" +
                                                     (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short") +
                                                     ")");
}

} // namespace suspendable::format
