// `suspendable` - one binary, one subcommand per job. Thin on purpose: each subcommand lives in its
// own file.
#include "cli.hpp"
#include "py_ref.hpp"
#include "python_runtime.hpp"

#include <cstring>
#include <iostream>
#include <map>

namespace suspendable::cli
{

int version(const args&)
{
    runtime_options options;
    options.install_signal_handlers = false;
    python_runtime runtime(options);
    long magic = PyImport_GetMagicNumber();
    // The magic number's first two bytes, little-endian, are the "bytecode magic" (3495 for 3.11).
    std::cout << "suspendable " << SUSPENDABLE_VERSION << "\n"
              << "CPython " << Py_GetVersion() << "\n"
              << "bytecode magic " << (magic & 0xffff) << "\n";
    return 0;
}

} // namespace suspendable::cli

namespace
{

void usage(std::ostream& out)
{
    out << "usage: suspendable COMMAND [ARGS...]\n\n"
           "commands:\n"
           "  kernel -f CONNECTION_FILE          run the Jupyter kernel (what kernel.json starts)\n"
           "  install-kernelspec [--user | --prefix DIR]\n"
           "                                     install the \"Python (suspendable)\" kernelspec\n"
           "  run [--snapshot PATH] [--signal SIG]... SCRIPT.py [ARGS...]\n"
           "                                     run a script; SIGUSR1/SIGTERM suspend it (exit 75)\n"
           "  resume PATH [--snapshot PATH2] [--signal SIG]...\n"
           "                                     continue a suspended script\n"
           "  inspect PATH [--json]              show what a snapshot holds, without running it\n"
           "  trust PATH                         accept a snapshot signed elsewhere (re-sign it)\n"
           "  sessions [list | show NAME | rm NAME]\n"
           "                                     saved sessions\n"
           "  repl [--resume [NAME]]             a Python console whose session (namespace, a suspended\n"
           "                                     statement) is saved on exit and restored with --resume\n"
           "  --version                          version, CPython version and bytecode magic\n";
}

} // namespace

int main(int argc, char* argv[])
{
    using namespace suspendable;
    const std::map<std::string, int (*)(const cli::args&)> commands = {
        {"kernel", cli::kernel},   {"install-kernelspec", cli::install_kernelspec},
        {"run", cli::run},         {"resume", cli::resume},
        {"inspect", cli::inspect}, {"trust", cli::trust},
        {"sessions", cli::sessions}, {"repl", cli::repl},
        {"--version", cli::version},
        {"version", cli::version},
    };
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)
    {
        usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? cli::usage_error : 0;
    }
    auto it = commands.find(argv[1]);
    if (it == commands.end())
    {
        std::cerr << "suspendable: unknown command '" << argv[1] << "'\n";
        usage(std::cerr);
        return cli::usage_error;
    }
    try
    {
        return it->second(cli::args(argv + 2, argv + argc));
    }
    catch (const std::exception& e)
    {
        std::cerr << "suspendable " << argv[1] << ": " << e.what() << "\n";
        return 1;
    }
}
