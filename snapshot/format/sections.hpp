// The section table: one 64-byte entry per section, after the last section.
#pragma once

#include "format.hpp"

namespace suspendable::format
{

// Where each section goes, given their stored sizes: contiguous, each start aligned to 64 bytes, the
// first right after the header, the table after the last. Writer and reader share this so that the
// reader can insist on exactly this layout (no room for hidden bytes).
void lay_out(std::vector<section>& sections, uint64_t& table_offset);

// Parses and validates a table whose bytes already matched the header's table digest.
std::vector<section> decode_table(const uint8_t* data, const header& h, const std::string& name);

} // namespace suspendable::format
