// Writing a snapshot: sections streamed from the caller's memory (no copy of the buffers), hashed on
// the way, then the table and the signed header, all through atomic_file.
#pragma once

#include "format.hpp"
#include "signature.hpp"

namespace suspendable::format
{

struct byte_span
{
    const uint8_t* data = nullptr;
    size_t size = 0;
};

struct write_request
{
    std::string manifest_json; // a JSON object, UTF-8
    byte_span pickle;
    std::vector<byte_span> buffers;
    bool compress = false; // zstd on the pickle section
    int compress_level = 3;
    python_id python;
    int64_t created_ns = 0; // 0: now
    std::string platform;   // empty: this machine's
};

// Returns the size of the file written. Safe to call without the GIL: it touches no Python object.
uint64_t write_snapshot(const std::string& path, const write_request& request, const signing_key& key);

} // namespace suspendable::format
