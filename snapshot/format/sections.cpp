#include "sections.hpp"

#include "bytes.hpp"

#include <cstring>

namespace suspendable::format
{

namespace
{

[[noreturn]] void corrupt(const std::string& name, const std::string& what)
{
    throw format_error(error_kind::checksum,
                       name + ": inconsistent section table (" + what + "): the file is corrupted");
}

section_kind expected_kind(size_t index)
{
    return index == 0 ? section_kind::manifest : index == 1 ? section_kind::pickle : section_kind::buffer;
}

} // namespace

std::string section_name(const std::vector<section>& sections, size_t index)
{
    if (index >= sections.size())
        return "section " + std::to_string(index);
    switch (sections[index].kind)
    {
    case section_kind::manifest:
        return "manifest";
    case section_kind::pickle:
        return "pickle";
    case section_kind::buffer:
        return "buffer " + std::to_string(index - 2);
    }
    return "section " + std::to_string(index);
}

void lay_out(std::vector<section>& sections, uint64_t& table_offset)
{
    uint64_t end = header_size;
    for (section& s : sections)
    {
        s.offset = align_up(end);
        end = s.offset + s.stored_size;
    }
    table_offset = align_up(end);
}

std::vector<uint8_t> encode_table(const std::vector<section>& sections)
{
    std::vector<uint8_t> b(sections.size() * table_entry_size, 0);
    for (size_t i = 0; i < sections.size(); ++i)
    {
        uint8_t* p = &b[i * table_entry_size];
        put_le<uint32_t>(p, static_cast<uint32_t>(sections[i].kind));
        put_le<uint32_t>(p + 4, sections[i].flags);
        put_le<uint64_t>(p + 8, sections[i].offset);
        put_le<uint64_t>(p + 16, sections[i].stored_size);
        put_le<uint64_t>(p + 24, sections[i].raw_size);
        std::memcpy(p + 32, sections[i].sha256.data(), digest_size);
    }
    return b;
}

std::vector<section> decode_table(const uint8_t* data, const header& h, const std::string& name)
{
    std::vector<section> sections(h.section_count);
    uint64_t end = header_size;
    for (size_t i = 0; i < sections.size(); ++i)
    {
        const uint8_t* p = data + i * table_entry_size;
        section& s = sections[i];
        s.kind = static_cast<section_kind>(get_le<uint32_t>(p));
        s.flags = get_le<uint32_t>(p + 4);
        s.offset = get_le<uint64_t>(p + 8);
        s.stored_size = get_le<uint64_t>(p + 16);
        s.raw_size = get_le<uint64_t>(p + 24);
        std::memcpy(s.sha256.data(), p + 32, digest_size);
        std::string what = "entry " + std::to_string(i);
        if (s.kind != expected_kind(i))
            corrupt(name, what + " has the wrong kind");
        // Only the pickle may be compressed (buffers are mapped as they are).
        if (s.flags != 0 && !(s.kind == section_kind::pickle && s.flags == section_zstd))
            corrupt(name, what + " has unknown flags");
        if (s.flags == 0 && s.raw_size != s.stored_size)
            corrupt(name, what + " has a size mismatch");
        if (s.offset != align_up(end) || s.stored_size > h.table_offset - s.offset)
            corrupt(name, what + " is out of place");
        end = s.offset + s.stored_size;
    }
    if (align_up(end) != h.table_offset)
        corrupt(name, "the table is out of place");
    return sections;
}

} // namespace suspendable::format
