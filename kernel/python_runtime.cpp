#include "python_runtime.hpp"

#include "cells_module.hpp"
#include "engine_module.hpp"
#include "py_ref.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace suspendable
{

namespace
{

void check(PyStatus status)
{
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);
}

// sys.path[0] for our packages: inserted first so that a user's `suspendable.py` cannot shadow them.
void add_package_dir()
{
    PyObject* path = PySys_GetObject("path"); // borrowed
    py_ref dir = py_ref::steal(PyUnicode_DecodeFSDefault(python_package_dir().c_str()));
    if (path == nullptr || !dir || PyList_Insert(path, 0, dir.get()) < 0)
        throw std::runtime_error("cannot extend sys.path: " + fetch_error_message());
}

} // namespace

python_runtime::python_runtime(const runtime_options& options)
{
    std::vector<builtin_module> builtins = {{"_suspendable_engine", init_engine_module},
                                            {"_suspendable_format", init_format_module},
                                            {"_suspendable_cells", init_cells_module}};
    builtins.insert(builtins.end(), options.builtins.begin(), options.builtins.end());
    for (const builtin_module& m : builtins)
    {
        if (PyImport_AppendInittab(m.name, m.init) < 0)
            throw std::runtime_error(std::string("cannot register builtin module ") + m.name);
    }
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    // Without program_name, sys.executable is searched on $PATH and would be the pyenv python3.
    check(PyConfig_SetBytesString(&config, &config.program_name, SUSPENDABLE_PYTHON_EXECUTABLE));
    config.install_signal_handlers = options.install_signal_handlers ? 1 : 0;
    config.parse_argv = 0;
    std::vector<char*> argv;
    for (const std::string& a : options.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    if (argv.empty())
        argv.push_back(const_cast<char*>(""));
    check(PyConfig_SetBytesArgv(&config, static_cast<Py_ssize_t>(argv.size()), argv.data()));
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    check(status);
    add_package_dir();
}

python_runtime::~python_runtime()
{
    Py_FinalizeEx();
}

} // namespace suspendable
