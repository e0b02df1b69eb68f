// The embedded CPython: Debian's libpython3.11, initialised so that it behaves like /usr/bin/python3.11
// (sys.executable, sys.path, site-packages) plus the project's own builtin and pure-Python modules.
#pragma once

#include "install_paths.hpp"

#include <string>
#include <vector>

struct _object;

namespace suspendable
{

struct builtin_module
{
    const char* name;
    _object* (*init)();
};

struct runtime_options
{
    // sys.argv of the embedded interpreter (for `run SCRIPT ARGS...` this is SCRIPT ARGS...).
    std::vector<std::string> argv;
    // Python's own SIGINT -> KeyboardInterrupt handler (the kernel manages SIGINT itself).
    bool install_signal_handlers = true;
    std::vector<builtin_module> builtins;
};

// Initialises the interpreter on construction and finalises it on destruction. One per process.
// The calling thread holds the GIL afterwards.
class python_runtime
{
public:
    explicit python_runtime(const runtime_options& options);
    ~python_runtime();
    python_runtime(const python_runtime&) = delete;
    python_runtime& operator=(const python_runtime&) = delete;
};

} // namespace suspendable
