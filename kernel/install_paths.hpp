// Where the parts of an installation are, found from the running binary: the command (`suspendable`),
// the binary with the kernel and the embedded interpreter (`suspendable-core`), the Python packages
// and the extension modules. No Python here: the command links none of it.
#pragma once

#include <string>

namespace suspendable
{

// Absolute path of the running binary.
std::string executable_path();

// The `suspendable` command users and kernel.json run (next to the core binary).
std::string command_path();

// The binary that does everything but start scripts (kernel, repl, inspect, ...; see launcher_main.cpp).
std::string core_path();

// The directory holding the project's Python packages (suspendable, suspendable_kernel): next to the
// binary in a build tree (<exe dir>/python) or <prefix>/share/suspendable/python after installation.
std::string python_package_dir();

// The directory of the extension modules _suspendable_engine and _suspendable_format for python3.11.
std::string extension_dir();

} // namespace suspendable
