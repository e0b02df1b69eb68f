#include "digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace suspendable::format
{

sha256::sha256() : m_ctx(EVP_MD_CTX_new())
{
    if (m_ctx == nullptr || EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr) != 1)
    {
        EVP_MD_CTX_free(m_ctx);
        throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
    }
}

sha256::~sha256()
{
    EVP_MD_CTX_free(m_ctx);
}

void sha256::update(const void* data, size_t size)
{
    if (size != 0 && EVP_DigestUpdate(m_ctx, data, size) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 update failed");
}

digest sha256::finish()
{
    digest d{};
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(m_ctx, d.data(), &n) != 1 || n != d.size())
        throw std::runtime_error("OpenSSL: SHA-256 final failed");
    return d;
}

digest sha256_of(const void* data, size_t size)
{
    sha256 h;
    h.update(data, size);
    return h.finish();
}

digest hmac_sha256(const uint8_t* key, size_t key_size, const void* data, size_t size)
{
    digest d{};
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), key, static_cast<int>(key_size), static_cast<const unsigned char*>(data), size,
             d.data(), &n) == nullptr ||
        n != d.size())
        throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
    return d;
}

bool digests_equal(const digest& a, const digest& b)
{
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex(const digest& d)
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : d)
    {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

} // namespace suspendable::format
