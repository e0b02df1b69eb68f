// `suspendable trust | sessions`: the snapshot store on the command line.
//
// `trust` is pure C++ (the format core): re-signing a file needs no interpreter. `sessions` runs the
// store's Python module (suspendable.store.main) so that listing, naming and pruning have a single
// implementation shared with the kernel.
#include "cli.hpp"
#include "format/reader.hpp"
#include "format/signature.hpp"
#include "py_ref.hpp"
#include "python_runtime.hpp"
#include "store/paths.hpp"

#include <iostream>

namespace suspendable::cli
{

namespace
{

int trust_one(const std::string& path, const format::signing_key& key)
{
    try
    {
        bool changed = format::trust_file(path, key);
        std::cout << path
                  << (changed ? ": trusted: now signed with your key (" : ": already signed with your key (")
                  << key.path << ")\n";
        return 0;
    }
    catch (const format::format_error& e)
    {
        // Bad files are the user's input: their message, and the usage/input-error status.
        std::cerr << "suspendable trust: " << e.what() << "\n";
    }
    catch (const format::io_error& e)
    {
        std::cerr << "suspendable trust: " << e.what() << "\n";
    }
    return usage_error;
}

} // namespace

int trust(const args& a)
{
    if (a.empty() || a[0] == "-h" || a[0] == "--help")
    {
        (a.empty() ? std::cerr : std::cout) << "usage: suspendable trust PATH...\n\n"
                                               "Re-sign snapshots with your key after you decided to trust "
                                               "them (they were made with another\n"
                                               "key, e.g. on another machine). Unpickling a snapshot runs "
                                               "code: only trust files you made or\n"
                                               "whose author you trust. Corrupted files are refused.\n";
        return a.empty() ? usage_error : 0;
    }
    format::signing_key key = format::load_or_create_key(store::key_path());
    int status = 0;
    for (const std::string& path : a)
        status = std::max(status, trust_one(path, key));
    return status;
}

int sessions(const args& a)
{
    runtime_options options;
    options.install_signal_handlers = false;
    options.argv = {"suspendable-sessions"};
    python_runtime runtime(options);
    py_ref module = py_ref::steal(PyImport_ImportModule("suspendable.store"));
    py_ref argv = py_ref::steal(PyList_New(0));
    for (const std::string& s : a)
    {
        py_ref item = py_ref::steal(PyUnicode_DecodeFSDefault(s.c_str()));
        if (!item || !argv || PyList_Append(argv.get(), item.get()) < 0)
            argv.reset();
    }
    return exit_status(module && argv ? py_ref::steal(PyObject_CallMethod(module.get(), "main", "O", argv.get()))
                                      : py_ref());
}

} // namespace suspendable::cli
