#include "python_errors.hpp"

#include "format.hpp"
#include "io.hpp"

#include <cstring>
#include <new>

namespace suspendable::format
{

namespace
{

// Owned by the module object (added to its dict); these borrowed pointers live as long as the
// interpreter does. Not py_ref: static destructors run after Py_Finalize.
PyObject* base_class = nullptr;
PyObject* kind_classes[7] = {};

struct class_spec
{
    error_kind kind;
    const char* name;
    const char* doc;
};

const class_spec specs[] = {
    {error_kind::empty, "EmptySnapshotError", "The file is empty."},
    {error_kind::truncated, "TruncatedSnapshotError", "The file ends before the snapshot does."},
    {error_kind::not_snapshot, "NotASnapshotError", "The file is not a snapshot (wrong magic bytes)."},
    {error_kind::future_format, "FutureFormatError",
     "Written in a newer format version than this build reads."},
    {error_kind::wrong_python, "WrongPythonError", "Written by another CPython minor version or bytecode."},
    {error_kind::checksum, "ChecksumError", "A section does not match its checksum: corrupted or modified."},
    {error_kind::signature, "SignatureError", "Not signed with this user's key: refused until trusted."},
};

void raise(PyObject* cls, const std::string& message)
{
    py_ref msg = py_ref::steal(
        PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace"));
    if (msg)
        PyErr_SetObject(cls, msg.get());
}

void raise_os_error(const io_error& e)
{
    // OSError(errno, strerror, filename) picks the subclass (FileNotFoundError...) from errno.
    int err = e.code().value();
    py_ref filename = py_ref::steal(PyUnicode_DecodeFSDefault(e.path().c_str()));
    if (!filename)
        return;
    py_ref exc =
        py_ref::steal(PyObject_CallFunction(PyExc_OSError, "isO", err, std::strerror(err), filename.get()));
    if (exc)
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.get())), exc.get());
}

} // namespace

bool add_exception_classes(PyObject* module)
{
    base_class = PyErr_NewExceptionWithDoc(
        "_suspendable_format.SnapshotError",
        "A snapshot file cannot be used; the message names the file and why.", nullptr, nullptr);
    if (base_class == nullptr || PyModule_AddObjectRef(module, "SnapshotError", base_class) < 0)
        return false;
    for (const class_spec& s : specs)
    {
        std::string qualified = std::string("_suspendable_format.") + s.name;
        PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), s.doc, base_class, nullptr);
        if (cls == nullptr || PyModule_AddObjectRef(module, s.name, cls) < 0)
            return false;
        kind_classes[static_cast<int>(s.kind)] = cls;
    }
    return true;
}

void set_snapshot_error(const std::string& message)
{
    raise(base_class, message);
}

void set_python_error_from_current()
{
    try
    {
        throw;
    }
    catch (const python_error&)
    {
        // Already set by the C API call that failed.
    }
    catch (const format_error& e)
    {
        raise(kind_classes[static_cast<int>(e.kind())], e.what());
    }
    catch (const io_error& e)
    {
        raise_os_error(e);
    }
    catch (const std::bad_alloc&)
    {
        PyErr_NoMemory();
    }
    catch (const std::exception& e)
    {
        set_snapshot_error(e.what());
    }
    catch (...)
    {
        set_snapshot_error("unknown C++ exception");
    }
}

} // namespace suspendable::format
