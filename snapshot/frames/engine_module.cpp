// _suspendable_engine: the Python face of the frame engine. Filled in by the engine work (issue 3).
#include "engine_module.hpp"
#include "py_ref.hpp"

namespace suspendable
{

namespace
{
PyModuleDef engine_def = {PyModuleDef_HEAD_INIT, "_suspendable_engine", "suspendable frame engine", -1, nullptr};
} // namespace

PyObject* init_engine_module()
{
    return PyModule_Create(&engine_def);
}

} // namespace suspendable
