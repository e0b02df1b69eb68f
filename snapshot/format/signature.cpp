#include "signature.hpp"

#include "digest.hpp"
#include "io.hpp"
#include "store/paths.hpp"

#include <cerrno>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

namespace suspendable::format
{

namespace
{

constexpr size_t key_hex_size = 64;

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

signing_key parse_key(const std::string& text, const std::string& path)
{
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
        t.pop_back();
    signing_key k;
    k.path = path;
    bool ok = t.size() == key_hex_size;
    for (size_t i = 0; ok && i < k.bytes.size(); ++i)
    {
        int hi = hex_value(t[2 * i]), lo = hex_value(t[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        k.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    if (!ok)
        throw std::runtime_error(path + ": not a suspendable key (expected 64 hex digits)");
    return k;
}

std::string new_key_text()
{
    std::array<uint8_t, 32> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("OpenSSL: no random bytes for a new key");
    digest d;
    std::copy(raw.begin(), raw.end(), d.begin());
    return hex(d) + "\n";
}

} // namespace

std::optional<signing_key> load_key(const std::string& path)
{
    int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (raw < 0 && errno == ENOENT)
        return std::nullopt;
    if (raw < 0)
        throw_errno("cannot open the signing key", path);
    unique_fd fd(raw);
    struct stat st
    {
    };
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("cannot stat the signing key", path);
    if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        throw std::runtime_error(path + ": the signing key must belong to you with mode 0600 (chmod 600 " +
                                 path + "); refusing to use it");
    char buf[key_hex_size + 8] = {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0)
        throw_errno("cannot read the signing key", path);
    return parse_key(std::string(buf, static_cast<size_t>(n)), path);
}

signing_key load_or_create_key(const std::string& path)
{
    if (auto k = load_key(path))
        return *k;
    std::string dir = path.substr(0, path.rfind('/'));
    store::make_private_dirs(dir);
    // Written completely under a temporary name, then link()ed: link fails if another process won the
    // race, and nobody ever sees a half-written key.
    std::string temp = path + ".tmp-" + std::to_string(::getpid());
    {
        unique_fd fd(::open(temp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd)
            throw_errno("cannot create the signing key", temp);
        std::string text = new_key_text();
        pwrite_all(fd.get(), text.data(), text.size(), 0, temp);
        fsync_or_throw(fd.get(), temp);
    }
    int linked = ::link(temp.c_str(), path.c_str());
    int err = errno;
    ::unlink(temp.c_str());
    if (linked != 0 && err != EEXIST)
    {
        errno = err;
        throw_errno("cannot install the signing key", path);
    }
    if (auto k = load_key(path))
        return *k;
    errno = ENOENT;
    throw_errno("the signing key vanished", path);
}

digest sign_header(const signing_key& key, const uint8_t* encoded_header)
{
    return hmac_sha256(key.bytes.data(), key.bytes.size(), encoded_header, signed_header_size);
}

} // namespace suspendable::format
