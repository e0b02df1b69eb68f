// Entry point when the frame engine is built as an extension module that /usr/bin/python3.11 itself
// imports (`suspendable run` and `resume` execute that interpreter: see kernel/script_commands.cpp);
// the kernel registers init_engine_module() as a builtin instead. Every CPython symbol the engine uses
// is exported by Debian's python3.11 executable.
#include "engine_module.hpp"

#include <Python.h>

PyMODINIT_FUNC PyInit__suspendable_engine(void)
{
    return suspendable::init_engine_module();
}
