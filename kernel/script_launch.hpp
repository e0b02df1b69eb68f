// How `suspendable run` and `suspendable resume` start: their options, the suspend signals blocked
// from the first instruction, and the exec of Debian's python3.11 that runs the script. Shared by the
// command (launcher_main.cpp, which links no Python) and the core binary (script_commands.cpp).
#pragma once

#include "session.hpp"

#include <string>
#include <vector>

namespace suspendable::cli
{

struct parsed
{
    session::script_options options;
    std::vector<std::string> positional; // run: SCRIPT ARGS...; resume: PATH
    bool json = false;
};

// Options come before SCRIPT for `run` (everything after SCRIPT belongs to the script); anywhere for
// `resume` and `inspect`. Throws std::invalid_argument with a message for the user.
parsed parse(const std::vector<std::string>& a, bool stop_at_first_positional);

// run: ./NAME.snap in the current directory unless --snapshot was given.
void set_default_snapshot(parsed& p);

// Signals that request a suspend wait (blocked) until the session has installed its handlers; otherwise
// one arriving during start-up would kill the process with the default action.
void block(const std::vector<int>& signals);

// Replaces the process with python3.11 running suspendable/launcher.py (`function` is "run" or
// "resume"). Returns only if that is not possible (an ASan build, extensions missing, exec failed).
void exec_in_python(const char* function, const parsed& p);

} // namespace suspendable::cli
