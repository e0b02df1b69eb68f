#include "py_ref.hpp"

namespace suspendable
{

std::string to_string(PyObject* o)
{
    if (o == nullptr)
        return "<NULL>";
    py_ref s = py_ref::steal(PyObject_Str(o));
    if (!s)
    {
        PyErr_Clear();
        return "<unprintable " + std::string(Py_TYPE(o)->tp_name) + ">";
    }
    const char* utf8 = PyUnicode_AsUTF8(s.get());
    if (utf8 == nullptr)
    {
        PyErr_Clear();
        return "<unprintable>";
    }
    return utf8;
}

std::string fetch_error_message()
{
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    py_ref t = py_ref::steal(type), v = py_ref::steal(value), b = py_ref::steal(tb);
    if (!t)
        return "unknown error";
    std::string name = reinterpret_cast<PyTypeObject*>(t.get())->tp_name;
    std::string msg = v ? to_string(v.get()) : "";
    return msg.empty() ? name : name + ": " + msg;
}

int exit_status(py_ref result)
{
    if (!result)
    {
        PyErr_Print();
        return 1;
    }
    long status = PyLong_AsLong(result.get());
    if (status == -1 && PyErr_Occurred())
    {
        PyErr_Print();
        return 1;
    }
    return static_cast<int>(status);
}

} // namespace suspendable
