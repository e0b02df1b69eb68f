// Crash safety: a writer SIGKILLed at 200 random instants while replacing a 6 MB snapshot (big enough
// for the writer to hash on its second thread) never damages the previous one; it always verifies
// completely, and no temporary file outlives the next write.
#include "format/mapped_file.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"
#include "store/paths.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace suspendable;
using namespace suspendable::format;

namespace
{

const python_id this_python{0x030b02f0, 3495 | (0x0d0a << 16)};
constexpr size_t buffer_size = 6 << 20;

void write_generation(const std::string& path, unsigned generation, const signing_key& key,
                      std::vector<uint8_t>& buffer)
{
    std::fill(buffer.begin(), buffer.end(), static_cast<uint8_t>(generation));
    write_request r;
    r.manifest_json = R"({"generation": )" + std::to_string(generation) + "}";
    std::string pickle = "pickle of generation " + std::to_string(generation);
    r.pickle = {reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size()};
    r.buffers = {{buffer.data(), buffer.size() / 2}, {buffer.data() + buffer.size() / 2, buffer.size() / 2}};
    r.python = this_python;
    write_snapshot(path, r, key);
}

// Verifies the whole file; returns the generation it holds.
unsigned load_generation(const std::string& path)
{
    file_source src(path);
    snapshot_info info = read_info(src, path);
    check_signature(info, load_key(store::key_path()), path);
    mapped_file map(src.fd(), info.hdr.file_size, false, path);
    verify_sections(map.data(), info, path);
    unsigned generation = static_cast<unsigned>(std::stoul(info.manifest_json.substr(15)));
    EXPECT_EQ(map.data()[info.sections[2].offset], static_cast<uint8_t>(generation));
    EXPECT_EQ(map.data()[info.sections[3].offset + info.sections[3].stored_size - 1],
              static_cast<uint8_t>(generation));
    return generation;
}

TEST(FormatKill, PreviousSnapshotSurvivesSigkillAt200Instants)
{
    char tmpl[] = "/tmp/test_format_kill.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    fs::path dir = tmpl;
    setenv("SUSPENDABLE_HOME", (dir / "home").c_str(), 1);
    signing_key key = load_or_create_key(store::key_path());
    std::string path = (dir / "session.snap").string();
    std::vector<uint8_t> buffer(buffer_size);
    write_generation(path, 1, key, buffer);

    // Calibrate: kill instants are spread over about two writes' duration.
    auto t0 = std::chrono::steady_clock::now();
    write_generation(path, 2, key, buffer);
    auto write_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    std::mt19937 rng(5);
    std::uniform_int_distribution<long> instant(0, std::max<long>(2 * write_us, 2000));

    int loadable = 0;
    std::set<unsigned> generations;
    unsigned next = 3;
    for (int i = 0; i < 200; ++i)
    {
        unsigned first = next;
        next += 1000;
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
        {
            for (unsigned g = first;; ++g)
                write_generation(path, g, key, buffer);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(instant(rng)));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFSIGNALED(status)) << "the writer died by itself: " << status;
        try
        {
            generations.insert(load_generation(path));
            ++loadable;
        }
        catch (const std::exception& e)
        {
            ADD_FAILURE() << "after kill " << i << ": " << e.what();
        }
    }
    auto debris = [&]
    {
        size_t n = 0;
        for (auto& e : fs::directory_iterator(dir))
            n += e.path().filename() != "home" && e.path().filename() != "session.snap";
        return n;
    };
    // A kill between linkat and renameat (microseconds wide) may leave a temporary name; the next
    // complete write removes it.
    size_t left = debris();
    write_generation(path, next, key, buffer);
    EXPECT_EQ(load_generation(path), next);
    EXPECT_EQ(loadable, 200);
    EXPECT_EQ(debris(), 0u);
    // Some kills must have landed after a complete write, some during: otherwise the test proved nothing.
    EXPECT_GT(generations.size(), 10u);
    std::cout << "kill: " << loadable << "/200 loadable, " << generations.size()
              << " distinct generations survived, one write = " << write_us << " us, " << left
              << " temporary name(s) left before the next write\n";
    fs::remove_all(dir);
}

} // namespace
