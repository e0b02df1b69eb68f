// `suspendable run | resume | inspect`: scripts under the snapshot engine (snapshot/session.hpp).
#include "cli.hpp"
#include "python_runtime.hpp"
#include "session.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <pthread.h>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <stdexcept>
#include <unistd.h>

namespace suspendable::cli
{

namespace
{

const std::vector<int> default_signals = {SIGUSR1, SIGTERM};

// "USR1", "SIGUSR1", "usr1" or a number.
int parse_signal(const std::string& text)
{
    static const std::map<std::string, int> names = {
        {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
        {"TERM", SIGTERM}, {"ALRM", SIGALRM}, {"XCPU", SIGXCPU}, {"CONT", SIGCONT}, {"PWR", SIGPWR}};
    std::string name;
    for (char c : text)
        name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0)
        name = name.substr(3);
    auto it = names.find(name);
    if (it != names.end())
        return it->second;
    char* end = nullptr;
    long n = std::strtol(text.c_str(), &end, 10);
    if (end != text.c_str() && *end == '\0' && n > 0 && n < NSIG)
        return static_cast<int>(n);
    throw std::invalid_argument("unknown signal '" + text + "'");
}

struct parsed
{
    session::script_options options;
    std::vector<std::string> positional; // run: SCRIPT ARGS...; resume: PATH
    bool json = false;
};

// Options come before SCRIPT for `run` (everything after SCRIPT belongs to the script); anywhere for
// `resume` and `inspect`.
parsed parse(const args& a, bool stop_at_first_positional)
{
    parsed p;
    bool signals_given = false;
    for (size_t i = 0; i < a.size(); i++)
    {
        const std::string& arg = a[i];
        if (stop_at_first_positional && !p.positional.empty())
        {
            p.positional.push_back(arg);
            continue;
        }
        auto value = [&]() -> std::string {
            if (i + 1 >= a.size())
                throw std::invalid_argument(arg + " needs a value");
            return a[++i];
        };
        if (arg == "--snapshot")
            p.options.snapshot = value();
        else if (arg == "--signal")
        {
            if (!signals_given)
                p.options.signals.clear();
            signals_given = true;
            p.options.signals.push_back(parse_signal(value()));
        }
        else if (arg == "--safe-point-timeout")
            p.options.safe_point_timeout = std::stod(value());
        else if (arg == "--skip-unsaveable")
            p.options.skip_unsaveable = true;
        else if (arg == "--bundle-modules")
            p.options.bundle_modules = true;
        else if (arg == "--json")
            p.json = true;
        else if (arg == "--")
        {
            for (i++; i < a.size(); i++)
                p.positional.push_back(a[i]);
        }
        else if (arg.size() > 1 && arg[0] == '-' && p.positional.empty())
            throw std::invalid_argument("unknown option " + arg);
        else
            p.positional.push_back(arg);
    }
    if (!signals_given)
        p.options.signals = default_signals;
    return p;
}

// Signals that request a suspend wait (blocked) until the session has installed its handlers; otherwise
// one arriving during start-up would kill the process with the default action.
void block(const std::vector<int>& signals)
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals)
        sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Exit status of the process: a negative session status -N means "die by signal N", as the
// interpreter does after an uncaught KeyboardInterrupt.
int finish(int status)
{
    if (status < 0)
    {
        std::signal(-status, SIG_DFL);
        std::raise(-status);
        return 128 - status;
    }
    return status;
}

// Scripts run in Debian's python3.11 itself, with the engine and the format as extension modules
// (suspendable/launcher.py): the binary's libpython3.11.a is not optimized like that executable (which
// is link-time optimized), and a program must cost under `suspendable run` what it costs under
// python3.11. Returns only if that is not possible (an ASan build, extensions missing, exec failed):
// the caller then runs the script in the embedded interpreter.
void exec_in_python(const char* function, const std::vector<std::string>& positional,
                    const session::script_options& o)
{
#ifdef SUSPENDABLE_EMBEDDED_SCRIPTS
    (void)function, (void)positional, (void)o;
#else
    namespace fs = std::filesystem;
    const char* env = std::getenv("SUSPENDABLE_EXT_DIR");
    fs::path ext = env ? fs::path(env) : fs::path(executable_path()).parent_path() / "python-ext";
    if (!fs::exists(ext / ("_suspendable_engine" SUSPENDABLE_EXT_SUFFIX)))
        return;
    nlohmann::json options = {{"snapshot", o.snapshot}, {"signals", o.signals},
                              {"timeout", o.safe_point_timeout}, {"skip_unsaveable", o.skip_unsaveable},
                              {"bundle_modules", o.bundle_modules}};
    std::vector<std::string> argv = {
        SUSPENDABLE_PYTHON_EXECUTABLE, "-P", "-c",
        "import sys; sys.path[0:0] = sys.argv[1:3]; from suspendable import launcher; launcher.main(sys.argv[3:])",
        python_package_dir(), ext.string(), function, options.dump()};
    argv.insert(argv.end(), positional.begin(), positional.end());
    std::vector<char*> c_argv;
    for (std::string& arg : argv)
        c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);
    std::cout.flush();
    ::execv(SUSPENDABLE_PYTHON_EXECUTABLE, c_argv.data());
#endif
}

const char* const run_usage = "run [--snapshot PATH] [--signal SIG]... [--safe-point-timeout S] "
                              "[--skip-unsaveable] [--bundle-modules] SCRIPT.py [ARGS...]";
const char* const resume_usage = "resume PATH [--snapshot PATH2] [--signal SIG]... [--safe-point-timeout S] "
                                 "[--skip-unsaveable] [--bundle-modules]";
const char* const inspect_usage = "inspect PATH [--json]";

int usage(const char* text)
{
    std::cerr << "usage: suspendable " << text << "\n";
    return usage_error;
}

} // namespace

int run(const args& a)
{
    parsed p;
    try
    {
        p = parse(a, true);
    }
    catch (const std::exception& e)
    {
        std::cerr << "suspendable run: " << e.what() << "\n";
        return usage(run_usage);
    }
    if (p.positional.empty())
        return usage(run_usage);
    const std::string& script = p.positional.front();
    if (p.options.snapshot.empty())
    {
        std::string name = std::filesystem::path(script).filename().string();
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0)
            name.resize(name.size() - 3);
        p.options.snapshot = (std::filesystem::current_path() / (name + ".snap")).string();
    }
    int status = 0;
    block(p.options.signals);
    exec_in_python("run", p.positional, p.options);
    {
        runtime_options options;
        options.argv = p.positional;
        python_runtime runtime(options);
        status = session::run_script(script, p.options);
        block(p.options.signals); // a request arriving while the interpreter shuts down is moot
    }
    return finish(status);
}

int resume(const args& a)
{
    parsed p;
    try
    {
        p = parse(a, false);
    }
    catch (const std::exception& e)
    {
        std::cerr << "suspendable resume: " << e.what() << "\n";
        return usage(resume_usage);
    }
    if (p.positional.size() != 1)
        return usage(resume_usage);
    int status = 0;
    block(p.options.signals);
    exec_in_python("resume", p.positional, p.options);
    {
        runtime_options options;
        options.argv = {p.positional.front()}; // replaced by the snapshot's sys.argv
        python_runtime runtime(options);
        status = session::resume(p.positional.front(), p.options);
        block(p.options.signals); // a request arriving while the interpreter shuts down is moot
    }
    return finish(status);
}

int inspect(const args& a)
{
    parsed p;
    try
    {
        p = parse(a, false);
    }
    catch (const std::exception& e)
    {
        std::cerr << "suspendable inspect: " << e.what() << "\n";
        return usage(inspect_usage);
    }
    if (p.positional.size() != 1)
        return usage(inspect_usage);
    runtime_options options;
    options.install_signal_handlers = false;
    python_runtime runtime(options);
    return session::inspect(p.positional.front(), p.json);
}

} // namespace suspendable::cli
