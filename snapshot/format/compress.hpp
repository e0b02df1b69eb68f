// zstd for the pickle section (buffer sections stay raw so they can be memory-mapped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace suspendable::format
{

std::vector<uint8_t> zstd_compress(const uint8_t* data, size_t size, int level);
// Decompresses exactly raw_size bytes into dst, or throws format_error (checksum kind) naming `name`.
void zstd_decompress(const uint8_t* src, size_t size, uint8_t* dst, size_t raw_size, const std::string& name);

} // namespace suspendable::format
