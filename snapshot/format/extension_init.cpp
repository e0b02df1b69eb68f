// Entry point when the format module is built as a standalone extension (tests/format); the kernel
// registers init_format_module() as a builtin instead.
#include "engine_module.hpp"

#include <Python.h>

PyMODINIT_FUNC PyInit__suspendable_format(void)
{
    return suspendable::init_format_module();
}
