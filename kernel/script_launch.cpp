#include "script_launch.hpp"

#include "install_paths.hpp"

#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <pthread.h>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

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

} // namespace

parsed parse(const std::vector<std::string>& a, bool stop_at_first_positional)
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
        auto value = [&]() -> std::string
        {
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

void set_default_snapshot(parsed& p)
{
    if (!p.options.snapshot.empty() || p.positional.empty())
        return;
    std::string name = fs::path(p.positional.front()).filename().string();
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0)
        name.resize(name.size() - 3);
    p.options.snapshot = (fs::current_path() / (name + ".snap")).string();
}

void block(const std::vector<int>& signals)
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals)
        sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Scripts run in Debian's python3.11 itself, with the engine and the format as extension modules
// (suspendable/launcher.py): the binary's libpython3.11.a is not optimized like that executable (which
// is link-time optimized), and a program must cost under `suspendable run` what it costs under
// python3.11. When this returns, the core binary runs the script in its embedded interpreter.
void exec_in_python(const char* function, const parsed& p)
{
#ifdef SUSPENDABLE_EMBEDDED_SCRIPTS
    (void)function, (void)p;
#else
    const session::script_options& o = p.options;
    fs::path ext = extension_dir();
    if (!fs::exists(ext / ("_suspendable_engine" SUSPENDABLE_EXT_SUFFIX)))
        return;
    // Plain strings, not JSON: parsing JSON would import json, re and enum before every script
    // (5 ms of a 15 ms interpreter start-up). launcher.main reads them in this order.
    std::string signals;
    for (int sig : o.signals)
        signals += (signals.empty() ? "" : ",") + std::to_string(sig);
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%.17g", o.safe_point_timeout);
    std::string flags = std::string(o.skip_unsaveable ? "skip_unsaveable," : "") +
                        (o.bundle_modules ? "bundle_modules," : "");
    const char* bootstrap = "import sys; sys.path[0:0] = sys.argv[1:3]; from suspendable import launcher; "
                            "launcher.main(sys.argv[3:])";
    std::vector<std::string> argv = {SUSPENDABLE_PYTHON_EXECUTABLE, "-P", "-c", bootstrap};
    argv.insert(argv.end(),
                {python_package_dir(), ext.string(), function, o.snapshot, signals, timeout, flags});
    argv.insert(argv.end(), p.positional.begin(), p.positional.end());
    std::vector<char*> c_argv;
    for (std::string& arg : argv)
        c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);
    ::execv(SUSPENDABLE_PYTHON_EXECUTABLE, c_argv.data());
#endif
}

} // namespace suspendable::cli
