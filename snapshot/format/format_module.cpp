// _suspendable_format: the Python face of the snapshot file format (FORMAT.md). Argument handling,
// GIL release around the I/O and the conversion of results; the format itself is the C++ core.
#include "engine_module.hpp"
#include "identity_table.hpp"
#include "mapping_object.hpp"
#include "py_ref.hpp"
#include "python_errors.hpp"
#include "reader.hpp"
#include "store/paths.hpp"
#include "writer.hpp"

#include "compress.hpp"

#include <memory>

namespace suspendable
{

namespace
{

using namespace format;

python_id current_python()
{
    return {PY_VERSION_HEX, static_cast<uint32_t>(PyImport_GetMagicNumber())};
}

// A Py_buffer held for the duration of a write; released (with the GIL held) on destruction.
class buffer_view
{
public:
    explicit buffer_view(PyObject* obj)
    {
        check_status(PyObject_GetBuffer(obj, &m_view, PyBUF_FULL_RO));
        m_held = true;
        // Out-of-band pickle buffers are contiguous (PickleBuffer.raw() requires it); a strided view
        // would have to be copied, which is exactly what this format avoids.
        if (!PyBuffer_IsContiguous(&m_view, 'A'))
        {
            PyErr_SetString(PyExc_BufferError, "snapshot buffers must be contiguous");
            throw python_error();
        }
    }
    ~buffer_view()
    {
        if (m_held)
            PyBuffer_Release(&m_view);
    }
    buffer_view(const buffer_view&) = delete;
    buffer_view& operator=(const buffer_view&) = delete;
    byte_span span() const
    {
        return {static_cast<const uint8_t*>(m_view.buf), static_cast<size_t>(m_view.len)};
    }

private:
    Py_buffer m_view{};
    bool m_held = false;
};

std::string fs_path(PyObject* path)
{
    PyObject* encoded = nullptr;
    if (!PyUnicode_FSConverter(path, &encoded))
        throw python_error();
    py_ref bytes = py_ref::steal(encoded);
    return std::string(PyBytes_AS_STRING(encoded), static_cast<size_t>(PyBytes_GET_SIZE(encoded)));
}

py_ref json_call(const char* function, PyObject* arg, PyObject* kwargs)
{
    py_ref json = check(PyImport_ImportModule("json"));
    py_ref fn = check(PyObject_GetAttrString(json.get(), function));
    py_ref args = check(PyTuple_Pack(1, arg));
    return check(PyObject_Call(fn.get(), args.get(), kwargs));
}

std::string manifest_to_json(PyObject* manifest)
{
    if (!PyDict_Check(manifest))
    {
        PyErr_SetString(PyExc_TypeError, "the snapshot manifest must be a dict");
        throw python_error();
    }
    // NaN/Infinity are not JSON: refuse them rather than write a manifest other tools cannot read.
    py_ref kwargs = check(Py_BuildValue("{s:O,s:O}", "ensure_ascii", Py_False, "allow_nan", Py_False));
    py_ref text = json_call("dumps", manifest, kwargs.get());
    Py_ssize_t n = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(text.get(), &n);
    if (utf8 == nullptr)
        throw python_error();
    return std::string(utf8, static_cast<size_t>(n));
}

py_ref manifest_from_json(const std::string& text, const std::string& name)
{
    // The bytes passed their checksum, so a manifest that is not a JSON object was written that way:
    // still the file's fault, reported as corruption rather than as a JSON traceback.
    try
    {
        py_ref s = check(PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "strict"));
        py_ref obj = json_call("loads", s.get(), nullptr);
        if (PyDict_Check(obj.get()))
            return obj;
    }
    catch (const python_error&)
    {
        PyErr_Clear();
    }
    throw format_error(error_kind::checksum,
                       name + ": the manifest is not a JSON object: the file is corrupted");
}

void set_item(PyObject* dict, const char* key, py_ref value)
{
    check_status(PyDict_SetItemString(dict, key, check(value.release()).get()));
}

// The header's fields, as a dict.
py_ref header_fields(const snapshot_info& info, bool signed_ok)
{
    const header& h = info.hdr;
    py_ref d = check(PyDict_New());
    set_item(d.get(), "format_version", py_ref::steal(PyLong_FromUnsignedLong(h.version)));
    set_item(d.get(), "python_version",
             py_ref::steal(PyUnicode_FromString(python_version_string(h.python.hexversion).c_str())));
    set_item(d.get(), "python_hexversion", py_ref::steal(PyLong_FromUnsignedLong(h.python.hexversion)));
    set_item(d.get(), "bytecode_magic",
             py_ref::steal(PyLong_FromUnsignedLong(bytecode_number(h.python.bytecode_magic))));
    set_item(d.get(), "python_compatible",
             py_ref::steal(PyBool_FromLong(python_matches(h, current_python()))));
    set_item(d.get(), "platform",
             py_ref::steal(PyUnicode_DecodeUTF8(h.platform.data(), static_cast<Py_ssize_t>(h.platform.size()),
                                                "replace")));
    set_item(d.get(), "created", py_ref::steal(PyFloat_FromDouble(static_cast<double>(h.created_ns) / 1e9)));
    set_item(d.get(), "size", py_ref::steal(PyLong_FromUnsignedLongLong(h.file_size)));
    set_item(d.get(), "signed_ok", py_ref::steal(PyBool_FromLong(signed_ok)));
    set_item(d.get(), "compressed", py_ref::steal(PyBool_FromLong(info.sections[1].flags & section_zstd)));
    set_item(d.get(), "pickle_size", py_ref::steal(PyLong_FromUnsignedLongLong(info.sections[1].raw_size)));
    set_item(d.get(), "buffer_count", py_ref::steal(PyLong_FromSize_t(info.sections.size() - 2)));
    return d;
}

// Adds the header fields to the manifest: all of them under "header", and each at the top level
// unless the manifest has a key of that name (the writer's own "created" or "platform" win there).
void add_header_fields(PyObject* manifest, const snapshot_info& info, bool signed_ok)
{
    py_ref fields = header_fields(info, signed_ok);
    PyObject *key = nullptr, *value = nullptr;
    for (Py_ssize_t pos = 0; PyDict_Next(fields.get(), &pos, &key, &value);)
    {
        if (PyDict_SetDefault(manifest, key, value) == nullptr)
            throw python_error();
    }
    check_status(PyDict_SetItemString(manifest, "header", fields.get()));
}

PyObject* py_write(PyObject*, PyObject* args, PyObject* kwargs)
{
    static const char* keywords[] = {"path", "manifest", "pickle", "buffers", "compress", nullptr};
    PyObject *path = nullptr, *manifest = nullptr, *pickle = nullptr, *buffers = nullptr;
    int compress = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO|$p:write", const_cast<char**>(keywords), &path,
                                     &manifest, &pickle, &buffers, &compress))
        return nullptr;
    return guarded(
        [&]
        {
            write_request r;
            std::string p = fs_path(path);
            r.manifest_json = manifest_to_json(manifest);
            buffer_view pickle_view(pickle);
            py_ref list = check(PySequence_Fast(buffers, "buffers must be a sequence of buffer objects"));
            std::vector<std::unique_ptr<buffer_view>> views;
            for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(list.get()); ++i)
            {
                views.push_back(std::make_unique<buffer_view>(PySequence_Fast_GET_ITEM(list.get(), i)));
                r.buffers.push_back(views.back()->span());
            }
            r.pickle = pickle_view.span();
            r.compress = compress != 0;
            r.python = current_python();
            uint64_t size = 0;
            {
                // The views pin the memory; nothing below touches a Python object.
                gil_release unlocked;
                size = write_snapshot(p, r, load_or_create_key(store::key_path()));
            }
            return PyLong_FromUnsignedLongLong(size);
        });
}

PyObject* py_read_manifest(PyObject*, PyObject* path_arg)
{
    return guarded(
        [&]
        {
            std::string path = fs_path(path_arg);
            snapshot_info info;
            bool signed_ok = false;
            {
                gil_release unlocked;
                file_source src(path);
                info = read_info(src, path);
                auto key = load_key(store::key_path());
                signed_ok = key && signature_matches(info, *key);
            }
            py_ref d = manifest_from_json(info.manifest_json, path);
            add_header_fields(d.get(), info, signed_ok);
            return d.release();
        });
}

// Everything is verified before any Python object is built from the file's content.
PyObject* py_read(PyObject*, PyObject* args, PyObject* kwargs)
{
    static const char* keywords[] = {"path", "trust", "verify_buffers", nullptr};
    PyObject* path_arg = nullptr;
    int trust = 0, verify_buffers = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$pp:read", const_cast<char**>(keywords), &path_arg,
                                     &trust, &verify_buffers))
        return nullptr;
    return guarded(
        [&]
        {
            std::string path = fs_path(path_arg);
            snapshot_info info;
            std::unique_ptr<mapped_file> map;
            const python_id python = current_python(); // needs the GIL (it asks importlib)
            {
                gil_release unlocked;
                file_source src(path);
                info = read_info(src, path);
                check_python(info.hdr, python, path);
                if (!trust)
                    check_signature(info, load_key(store::key_path()), path);
                map = std::make_unique<mapped_file>(src.fd(), info.hdr.file_size, true, path);
                map->advise_sequential(true);
                verify_sections(map->data(), info, path, verify_buffers != 0);
                map->advise_sequential(false);
            }
            py_ref manifest = manifest_from_json(info.manifest_json, path);
            const uint8_t* file = map->data();
            py_ref mapping = new_mapping(std::move(map));
            py_ref view = check(PyMemoryView_FromObject(mapping.get()));
            const section& p = info.sections[1];
            py_ref pickle;
            if (p.flags & section_zstd)
            {
                if (p.raw_size > static_cast<uint64_t>(PY_SSIZE_T_MAX))
                    throw format_error(error_kind::checksum,
                                       path + ": impossible pickle size: the file is corrupted");
                pickle = check(PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(p.raw_size)));
                auto* dst = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(pickle.get()));
                gil_release unlocked;
                zstd_decompress(file + p.offset, p.stored_size, dst, p.raw_size, path);
            }
            else
                pickle = mapping_slice(view.get(), p.offset, p.stored_size);
            py_ref buffers = check(PyList_New(0));
            for (size_t i = 2; i < info.sections.size(); ++i)
            {
                py_ref b = mapping_slice(view.get(), info.sections[i].offset, info.sections[i].stored_size);
                check_status(PyList_Append(buffers.get(), b.get()));
            }
            return PyTuple_Pack(3, manifest.get(), pickle.get(), buffers.get());
        });
}

PyObject* py_trust(PyObject*, PyObject* path_arg)
{
    return guarded(
        [&]
        {
            std::string path = fs_path(path_arg);
            bool changed = false;
            {
                gil_release unlocked;
                changed = trust_file(path, load_or_create_key(store::key_path()));
            }
            return PyBool_FromLong(changed);
        });
}

PyObject* string_result(const std::string& s)
{
    return PyUnicode_DecodeFSDefault(s.c_str());
}

PyObject* py_home_dir(PyObject*, PyObject*)
{
    return guarded([] { return string_result(store::home_dir()); });
}

PyObject* py_sessions_dir(PyObject*, PyObject*)
{
    return guarded([] { return string_result(store::sessions_dir()); });
}

PyObject* py_key_path(PyObject*, PyObject*)
{
    return guarded([] { return string_result(store::key_path()); });
}

PyMethodDef methods[] = {
    {"write", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_write)),
     METH_VARARGS | METH_KEYWORDS,
     "write(path, manifest, pickle, buffers, *, compress=False) -> int\n\n"
     "Atomically write and sign a snapshot; returns the file size."},
    {"read_manifest", py_read_manifest, METH_O,
     "read_manifest(path) -> dict\n\nThe manifest plus header fields; never reads or unpickles the pickle."},
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_read)),
     METH_VARARGS | METH_KEYWORDS,
     "read(path, *, trust=False, verify_buffers=True) -> (manifest, pickle, buffers)\n\n"
     "Verify everything, then return the manifest, the pickle and memory-mapped buffers."},
    {"trust", py_trust, METH_O,
     "trust(path) -> bool\n\nRe-sign a snapshot with this user's key (False: it already was)."},
    {"home_dir", py_home_dir, METH_NOARGS, "The per-user data directory."},
    {"sessions_dir", py_sessions_dir, METH_NOARGS, "Where named sessions are stored."},
    {"key_path", py_key_path, METH_NOARGS, "The signing key's path."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef format_def = {PyModuleDef_HEAD_INIT, "_suspendable_format",
                          "suspendable snapshot files (FORMAT.md)", -1, methods};

} // namespace

PyObject* init_format_module()
{
    py_ref m = py_ref::steal(PyModule_Create(&format_def));
    if (!m || !format::add_exception_classes(m.get()) || !format::add_mapping_type(m.get()) ||
        !format::add_identity_table_type(m.get()) ||
        PyModule_AddIntConstant(m.get(), "FORMAT_VERSION", format::format_version) < 0 ||
        PyModule_AddIntConstant(m.get(), "ALIGNMENT", format::alignment) < 0)
        return nullptr;
    return m.release();
}

} // namespace suspendable
