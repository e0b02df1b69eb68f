// The snapshot file format's C++ core: round trip, layout, every refusal with its message, signature
// and trust, the key file, and the tamper test (every flipped byte of a real file is refused).
#include "format/bytes.hpp"
#include "format/compress.hpp"
#include "format/digest.hpp"
#include "format/header.hpp"
#include "format/mapped_file.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"
#include "store/paths.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace suspendable;
using namespace suspendable::format;

namespace
{

const python_id this_python{0x030b02f0, 3495 | (0x0d0a << 16)};

class FormatTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/test_format.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        setenv("SUSPENDABLE_HOME", (dir / "home").c_str(), 1);
        key = load_or_create_key(store::key_path());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string path(const std::string& name) const { return (dir / name).string(); }

    // A snapshot with a manifest, a pickle and two buffers of awkward sizes (padding after each).
    uint64_t write_sample(const std::string& p, bool compress = false, size_t buffer_size = 100001)
    {
        buf1.assign(buffer_size, 0);
        for (size_t i = 0; i < buf1.size(); ++i)
            buf1[i] = static_cast<uint8_t>(i * 7 + 3);
        buf2.assign(13, 0xee);
        write_request r;
        r.manifest_json = R"({"location": {"file": "x.py", "line": 3, "function": "f"}})";
        r.pickle = {reinterpret_cast<const uint8_t*>(pickle_bytes.data()), pickle_bytes.size()};
        r.buffers = {{buf1.data(), buf1.size()}, {buf2.data(), buf2.size()}};
        r.compress = compress;
        r.python = this_python;
        return write_snapshot(p, r, key);
    }

    std::vector<uint8_t> load(const std::string& p)
    {
        std::ifstream in(p, std::ios::binary);
        return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
    }
    void save(const std::string& p, const std::vector<uint8_t>& bytes)
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }

    // What resume does before anything is unpickled.
    snapshot_info verify_all(const std::string& p)
    {
        file_source src(p);
        snapshot_info info = read_info(src, p);
        check_python(info.hdr, this_python, p);
        check_signature(info, load_key(store::key_path()), p);
        mapped_file map(src.fd(), info.hdr.file_size, true, p);
        verify_sections(map.data(), info, p);
        return info;
    }

    // Expects verify_all to refuse `p` with `kind` and a message containing `text`.
    void expect_refused(const std::string& p, error_kind kind, const std::string& text)
    {
        try
        {
            verify_all(p);
            FAIL() << "accepted " << p;
        }
        catch (const format_error& e)
        {
            EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
            EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message does not name the file";
        }
    }

    fs::path dir;
    signing_key key;
    std::string pickle_bytes = std::string("\x80\x05\x95...pickle stream...", 23);
    std::vector<uint8_t> buf1, buf2;
};

TEST_F(FormatTest, RoundTripLayoutAndHeader)
{
    std::string p = path("a.snap");
    uint64_t size = write_sample(p);
    EXPECT_EQ(size, fs::file_size(p));
    EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    snapshot_info info = verify_all(p);
    ASSERT_EQ(info.sections.size(), 4u);
    EXPECT_EQ(info.manifest_json, R"({"location": {"file": "x.py", "line": 3, "function": "f"}})");
    EXPECT_EQ(info.hdr.python.hexversion, this_python.hexversion);
    EXPECT_EQ(info.hdr.platform, current_platform());
    EXPECT_GT(info.hdr.created_ns, 0);
    std::vector<uint8_t> bytes = load(p);
    for (const section& s : info.sections)
        EXPECT_EQ(s.offset % alignment, 0u) << "sections must be 64-byte aligned to be mapped";
    EXPECT_EQ(std::memcmp(bytes.data() + info.sections[1].offset, pickle_bytes.data(), pickle_bytes.size()),
              0);
    EXPECT_EQ(std::memcmp(bytes.data() + info.sections[2].offset, buf1.data(), buf1.size()), 0);
    EXPECT_EQ(std::memcmp(bytes.data() + info.sections[3].offset, buf2.data(), buf2.size()), 0);
    EXPECT_EQ(std::memcmp(bytes.data(), magic, magic_size), 0);
}

TEST_F(FormatTest, CompressedPickleSection)
{
    pickle_bytes = std::string(100000, 'z');
    std::string p = path("c.snap");
    write_sample(p, true);
    snapshot_info info = verify_all(p);
    EXPECT_EQ(info.sections[1].flags, section_zstd);
    EXPECT_EQ(info.sections[1].raw_size, pickle_bytes.size());
    EXPECT_LT(info.sections[1].stored_size, 1000u);
    std::vector<uint8_t> out(info.sections[1].raw_size);
    std::vector<uint8_t> bytes = load(p);
    zstd_decompress(bytes.data() + info.sections[1].offset, info.sections[1].stored_size, out.data(),
                    out.size(), p);
    EXPECT_EQ(std::string(out.begin(), out.end()), pickle_bytes);
}

TEST_F(FormatTest, ReplacingKeepsNoDebris)
{
    std::string p = path("r.snap");
    write_sample(p);
    write_sample(p, false, 5000);
    EXPECT_EQ(verify_all(p).sections[2].stored_size, 5000u);
    size_t entries = 0;
    for (auto& e : fs::directory_iterator(dir))
        entries += e.path().filename() != "home";
    EXPECT_EQ(entries, 1u) << "temporary files left behind";
}

TEST_F(FormatTest, StaleTemporariesOfDeadWritersAreRemoved)
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, nullptr, 0);
    std::string stale = path(".s.snap.tmp-" + std::to_string(dead) + "-7");
    std::string live = path(".s.snap.tmp-" + std::to_string(getppid()) + "-7"); // a running writer
    std::string other = path(".other.snap.tmp-" + std::to_string(dead) + "-7");
    for (const std::string& p : {stale, live, other})
        save(p, {1, 2, 3});
    write_sample(path("s.snap"));
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(live));
    EXPECT_TRUE(fs::exists(other)) << "only temporaries of the file written are touched";
}

TEST_F(FormatTest, FailedWriteLeavesPreviousFile)
{
    std::string p = path("f.snap");
    write_sample(p);
    std::vector<uint8_t> before = load(p);
    // A file-size limit makes the next write fail midway (EFBIG), as a full disk would.
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{}, small{65536, 65536};
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    EXPECT_THROW(write_sample(p, false, 200000), io_error);
    setrlimit(RLIMIT_FSIZE, &old);
    EXPECT_EQ(load(p), before);
    EXPECT_NO_THROW(verify_all(p));
    EXPECT_THROW(write_sample(path("missing-dir/x.snap")), io_error);
}

TEST_F(FormatTest, EmptyFile)
{
    save(path("e.snap"), {});
    expect_refused(path("e.snap"), error_kind::empty, "is empty");
}

TEST_F(FormatTest, GarbageAndWrongMagic)
{
    save(path("g.snap"), std::vector<uint8_t>(5000, 'x'));
    expect_refused(path("g.snap"), error_kind::not_snapshot, "not a suspendable snapshot");
    std::string text = "\x80\x05\x95 a pickle, not a snapshot";
    save(path("p.snap"), std::vector<uint8_t>(text.begin(), text.end()));
    expect_refused(path("p.snap"), error_kind::not_snapshot, "wrong magic");
}

TEST_F(FormatTest, TruncatedAtEveryKindOfPlace)
{
    std::string p = path("t.snap");
    write_sample(p);
    std::vector<uint8_t> full = load(p);
    for (size_t n : {size_t(3), magic_size, size_t(100), header_size, full.size() / 2, full.size() - 1})
    {
        save(p, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(n)));
        expect_refused(p, error_kind::truncated, "truncated");
    }
}

// Rewrites a header field and fixes the header checksum and signature, as a newer writer would have.
void patch_header(std::vector<uint8_t>& f, size_t offset, uint32_t value, const signing_key& key)
{
    put_le<uint32_t>(&f[offset], value);
    digest c = sha256_of(f.data(), 128);
    std::memcpy(&f[128], c.data(), c.size());
    digest mac = sign_header(key, f.data());
    std::memcpy(&f[hmac_offset], mac.data(), mac.size());
}

TEST_F(FormatTest, FutureFormatVersion)
{
    std::string p = path("v.snap");
    write_sample(p);
    std::vector<uint8_t> f = load(p);
    patch_header(f, 16, format_version + 1, key);
    save(p, f);
    expect_refused(p, error_kind::future_format, "format version 2, newer than this suspendable reads");
}

TEST_F(FormatTest, WrongPythonNamesBothVersions)
{
    std::string p = path("py.snap");
    write_sample(p);
    std::vector<uint8_t> f = load(p);
    patch_header(f, 24, 0x030c01f0, key);            // 3.12.1
    patch_header(f, 28, 3531 | (0x0d0a << 16), key); // 3.12's bytecode magic
    save(p, f);
    expect_refused(p, error_kind::wrong_python,
                   "written by CPython 3.12.1 (bytecode magic 3531), but this is "
                   "CPython 3.11.2 (bytecode magic 3495)");
    // Same minor version, other bytecode (a patched interpreter): refused too.
    patch_header(f, 24, 0x030b04f0, key);
    save(p, f);
    expect_refused(p, error_kind::wrong_python, "bytecode magic 3531");
}

TEST_F(FormatTest, OtherKeyIsRefusedUntilTrusted)
{
    std::string p = path("k.snap");
    write_sample(p);
    fs::rename(dir / "home", dir / "home-elsewhere"); // another user/machine: a new key on first use
    key = load_or_create_key(store::key_path());
    expect_refused(p, error_kind::signature,
                   "signed with another key or modified; run `suspendable trust " + p + "` if you trust it");
    EXPECT_TRUE(trust_file(p, key));
    EXPECT_NO_THROW(verify_all(p));
    EXPECT_FALSE(trust_file(p, key)) << "already trusted";
}

TEST_F(FormatTest, NoKeyYetMeansNotSigned)
{
    std::string p = path("n.snap");
    write_sample(p);
    fs::remove(dir / "home" / "key");
    expect_refused(p, error_kind::signature, "bad signature");
}

TEST_F(FormatTest, TrustRefusesCorruptedFiles)
{
    std::string p = path("tc.snap");
    write_sample(p);
    std::vector<uint8_t> f = load(p);
    f[verify_all(p).sections[2].offset + 10] ^= 1;
    save(p, f);
    EXPECT_THROW(trust_file(p, key), format_error);
}

TEST_F(FormatTest, KeyFileIsPrivateAndStable)
{
    struct stat st
    {
    };
    ASSERT_EQ(stat(store::key_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(load_or_create_key(store::key_path()).bytes, key.bytes);
    chmod(store::key_path().c_str(), 0644);
    EXPECT_THROW(load_key(store::key_path()), std::runtime_error) << "a readable key must be refused";
}

TEST_F(FormatTest, DataDirectoryFollowsTheEnvironment)
{
    EXPECT_EQ(store::sessions_dir(), (dir / "home" / "sessions").string());
    const char* old_home = std::getenv("HOME");
    std::string saved_home = old_home ? old_home : "";
    unsetenv("SUSPENDABLE_HOME");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    EXPECT_EQ(store::key_path(), "/xdg/suspendable/key");
    setenv("XDG_DATA_HOME", "relative", 1); // invalid per the XDG spec: ignored
    setenv("HOME", "/h", 1);
    EXPECT_EQ(store::sessions_dir(), "/h/.local/share/suspendable/sessions");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", saved_home.c_str(), 1);
}

// Flip one byte at 200 random positions of a real snapshot (header, table, manifest, pickle, buffers,
// padding): every variant must be refused with a format_error, none may crash or be accepted.
TEST_F(FormatTest, TamperEveryFlippedByteIsRefused)
{
    std::string p = path("tamper.snap"), q = path("tampered.snap");
    write_sample(p, false, 300000);
    std::vector<uint8_t> original = load(p);
    std::mt19937_64 rng(20261122);
    std::uniform_int_distribution<size_t> where(0, original.size() - 1);
    std::uniform_int_distribution<int> bit(0, 7);
    int refused = 0;
    std::map<int, int> kinds;
    for (int i = 0; i < 200; ++i)
    {
        std::vector<uint8_t> f = original;
        size_t at = i < 8 ? size_t(i) * 24 : where(rng); // the first ones always hit each header region
        f[at] ^= static_cast<uint8_t>(1 << bit(rng));
        save(q, f);
        try
        {
            verify_all(q);
            ADD_FAILURE() << "flipping byte " << at << " was not detected";
        }
        catch (const format_error& e)
        {
            ++refused;
            ++kinds[static_cast<int>(e.kind())];
        }
    }
    EXPECT_EQ(refused, 200);
    std::cout << "tamper: " << refused << "/200 refused; by kind:";
    for (auto [k, n] : kinds)
        std::cout << " " << k << "=" << n;
    std::cout << "\n";
}

} // namespace
