// The per-user HMAC key and the snapshot signature. Unpickling runs code, so a snapshot is only
// resumed when it was signed with this user's key (or the user re-signs it: `suspendable trust`).
#pragma once

#include "format.hpp"

#include <optional>

namespace suspendable::format
{

struct signing_key
{
    std::array<uint8_t, 32> bytes{};
    std::string path;
};

// The key at `path` (64 hex digits), or nothing when it does not exist yet. Refuses a key file that
// others can read or write (like ssh does with private keys).
std::optional<signing_key> load_key(const std::string& path);
// Creates the key (mode 0600, race-free against concurrent first uses) when it is missing.
signing_key load_or_create_key(const std::string& path);

// HMAC-SHA256 over the encoded header's first signed_header_size bytes. The header holds the
// table's digest, which holds every section's digest: the signature covers all sections.
digest sign_header(const signing_key& key, const uint8_t* encoded_header);

} // namespace suspendable::format
