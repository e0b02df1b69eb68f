#include "session.hpp"

#include "py_ref.hpp"

#include <stdexcept>

namespace suspendable::session
{

namespace
{

py_ref signal_list(const std::vector<int>& signals)
{
    py_ref list = check(PyList_New(0));
    for (int s : signals)
    {
        py_ref n = check(PyLong_FromLong(s));
        check_status(PyList_Append(list.get(), n.get()));
    }
    return list;
}

// Calls suspendable.session.<function>(*args) and returns its int result. A Python exception that
// escapes (a bug in the session code, not in the program) is printed and becomes status 1.
int call_session(const char* function, PyObject* args)
{
    py_ref module = py_ref::steal(PyImport_ImportModule("suspendable.session"));
    py_ref fn = module ? py_ref::steal(PyObject_GetAttrString(module.get(), function)) : py_ref();
    return exit_status(fn ? py_ref::steal(PyObject_Call(fn.get(), args, nullptr)) : py_ref());
}

py_ref option_dict(const script_options& options)
{
    return check(Py_BuildValue("{sOsO}", "skip_unsaveable", options.skip_unsaveable ? Py_True : Py_False,
                               "bundle_modules", options.bundle_modules ? Py_True : Py_False));
}

} // namespace

int run_script(const std::string& script, const script_options& options)
{
    py_ref args = check(Py_BuildValue("(ssNdN)", script.c_str(), options.snapshot.c_str(),
                                      signal_list(options.signals).release(), options.safe_point_timeout,
                                      option_dict(options).release()));
    return call_session("run_script", args.get());
}

int resume(const std::string& path, const script_options& options)
{
    py_ref args = check(Py_BuildValue("(ssNdN)", path.c_str(), options.snapshot.c_str(),
                                      signal_list(options.signals).release(), options.safe_point_timeout,
                                      option_dict(options).release()));
    return call_session("resume_snapshot", args.get());
}

int inspect(const std::string& path, bool json)
{
    py_ref args = check(Py_BuildValue("(sO)", path.c_str(), json ? Py_True : Py_False));
    return call_session("inspect_snapshot", args.get());
}

} // namespace suspendable::session
