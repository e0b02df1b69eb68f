// `suspendable`, the command. `run` and `resume` go straight to Debian's python3.11 from here; every
// other command (and a script that cannot run in python3.11) is the core binary's, exec'd with the same
// arguments. Why two binaries: the core links libpython, xeus and ZeroMQ, and mapping them costs every
// `suspendable run` ~3 ms before the script starts, a fifth of python3.11's own start-up.
#include "install_paths.hpp"
#include "script_launch.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace
{

// Blocks the suspend signals and execs python3.11 when the arguments are a valid run / resume; returns
// otherwise (the core then reports the mistake, or runs the script embedded).
void start_script(int argc, char* argv[])
{
    using namespace suspendable::cli;
    std::string command = argv[1];
    if (command != "run" && command != "resume")
        return;
    parsed p;
    try
    {
        p = parse(std::vector<std::string>(argv + 2, argv + argc), command == "run");
    }
    catch (const std::exception&)
    {
        return;
    }
    if (command == "run" ? p.positional.empty() : p.positional.size() != 1)
        return;
    if (command == "run")
        set_default_snapshot(p);
    block(p.options.signals);
    exec_in_python(command.c_str(), p);
}

} // namespace

int main(int argc, char* argv[])
{
    if (argc >= 2)
        start_script(argc, argv);
    std::string core = suspendable::core_path();
    ::execv(core.c_str(), argv);
    std::string message = "suspendable: cannot run " + core + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, message.data(), message.size());
    return 127;
}
