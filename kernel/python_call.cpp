#include "python_call.hpp"

#include "py_ref.hpp"

namespace suspendable
{

namespace
{

nl::json error_reply()
{
    std::string message = fetch_error_message();
    return {{"status", "error"}, {"ename", "KernelError"}, {"evalue", message}, {"traceback", {message}}};
}

} // namespace

nl::json call_kernel_json(const char* function, const nl::json& args)
{
    gil_guard gil;
    py_ref module = py_ref::steal(PyImport_ImportModule("suspendable_kernel.kernel"));
    if (!module)
        return error_reply();
    py_ref text = py_ref::steal(PyUnicode_FromString(args.dump().c_str()));
    py_ref result = text ? py_ref::steal(PyObject_CallMethod(module.get(), "call_json", "sO", function, text.get()))
                         : py_ref();
    if (!result)
        return error_reply();
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(result.get(), &size);
    if (utf8 == nullptr)
        return error_reply();
    return nl::json::parse(utf8, utf8 + size);
}

} // namespace suspendable
