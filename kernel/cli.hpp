// Subcommands of the `suspendable` binary. Each takes the arguments after its name and returns the
// process exit status.
#pragma once

#include <string>
#include <vector>

namespace suspendable::cli
{

using args = std::vector<std::string>;

int kernel(const args& a);              // kernel_main.cpp: the Jupyter kernel (kernel.json runs this)
int install_kernelspec(const args& a);  // kernelspec.cpp
int version(const args& a);             // main.cpp
int run(const args& a);                 // script_commands.cpp: run SCRIPT under the engine
int resume(const args& a);              // script_commands.cpp: continue a snapshot
int inspect(const args& a);             // script_commands.cpp: show a snapshot without running it
int trust(const args& a);               // store_commands.cpp: re-sign a snapshot the user trusts
int sessions(const args& a);            // store_commands.cpp: list / show / rm saved sessions
int repl(const args& a);                // repl_command.cpp: the console REPL whose session survives exits

// Exit status for command-line misuse and unreadable input (sysexits' EX_USAGE is 64; we keep 2 as
// argparse and most Unix tools do).
constexpr int usage_error = 2;
// Exit status of a program that was suspended (sysexits' EX_TEMPFAIL: "try again later").
constexpr int suspended_status = 75;

} // namespace suspendable::cli
