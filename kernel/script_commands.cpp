// `suspendable run | resume | inspect`: scripts under the snapshot engine (snapshot/session.hpp).
#include "cli.hpp"
#include "python_runtime.hpp"
#include "script_launch.hpp"
#include "session.hpp"

#include <csignal>
#include <cstdio>
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
    set_default_snapshot(p);
    int status = 0;
    block(p.options.signals);
    exec_in_python("run", p);
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
    exec_in_python("resume", p);
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
