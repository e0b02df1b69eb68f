// _suspendable_format: the Python face of the snapshot file format. Filled in by issue 5's work.
#include "engine_module.hpp"
#include "py_ref.hpp"

namespace suspendable
{

namespace
{
PyModuleDef format_def = {PyModuleDef_HEAD_INIT, "_suspendable_format", "suspendable snapshot files", -1, nullptr};
} // namespace

PyObject* init_format_module()
{
    return PyModule_Create(&format_def);
}

} // namespace suspendable
