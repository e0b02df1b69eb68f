// SHA-256 (section checksums) and HMAC-SHA256 (the signature), through OpenSSL's EVP interface.
#pragma once

#include "format.hpp"

#include <memory>

struct evp_md_ctx_st;

namespace suspendable::format
{

// Incremental SHA-256: sections are hashed chunk by chunk while they are written or mapped.
class sha256
{
public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;
    void update(const void* data, size_t size);
    digest finish();

private:
    evp_md_ctx_st* m_ctx;
};

digest sha256_of(const void* data, size_t size);
digest hmac_sha256(const uint8_t* key, size_t key_size, const void* data, size_t size);

// Constant-time comparison: a signature check must not leak how many bytes matched.
bool digests_equal(const digest& a, const digest& b);

std::string hex(const digest& d);

} // namespace suspendable::format
