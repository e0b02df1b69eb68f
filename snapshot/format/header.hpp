// Header decoding (encoding is declared in format.hpp).
#pragma once

#include "format.hpp"

namespace suspendable::format
{

// Upper bound on sections so that a corrupt count cannot make the reader allocate gigabytes.
constexpr uint32_t max_sections = 1u << 20;

// Validates the first `available` bytes (at most header_size) of a file of `actual_size` bytes.
// Throws format_error naming `name` (the path) with the most specific kind that applies.
header decode_header(const uint8_t* data, size_t available, uint64_t actual_size, const std::string& name);

} // namespace suspendable::format
