#include "kernel_module.hpp"

#include "comm_bridge.hpp"
#include "fd_capture.hpp"
#include "io_server.hpp"
#include "py_ref.hpp"
#include "python_boundary.hpp"
#include "stream_buffer.hpp"
#include "suspend_trigger.hpp"

#include <chrono>
#include <cstring>

namespace suspendable
{

namespace
{

kernel_services services;

// Every function needs a bound kernel: a plain `suspendable run` has none.
bool require_kernel()
{
    if (services.interpreter != nullptr)
        return true;
    PyErr_SetString(PyExc_RuntimeError, "not running inside the suspendable kernel");
    return false;
}

nl::json parse_json(const char* text)
{
    return text == nullptr || *text == '\0' ? nl::json::object() : nl::json::parse(text);
}

// Python list of bytes-like objects -> xeus buffers.
bool to_buffers(PyObject* list, xeus::buffer_sequence& out)
{
    if (list == nullptr || list == Py_None)
        return true;
    py_ref seq = py_ref::steal(PySequence_Fast(list, "buffers must be a sequence"));
    if (!seq)
        return false;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i)
    {
        Py_buffer view;
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(seq.get(), i), &view, PyBUF_CONTIG_RO) < 0)
            return false;
        const char* data = static_cast<const char*>(view.buf);
        out.emplace_back(data, data + view.len);
        PyBuffer_Release(&view);
    }
    return true;
}

PyObject* stream_write(PyObject*, PyObject* args)
{
    const char *name, *text;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "ss#", &name, &text, &size) || !require_kernel())
        return nullptr;
    // Whatever C code or a child wrote to fds 1/2 before this print comes first.
    if (services.capture != nullptr)
        services.capture->drain();
    services.streams->write(name, std::string_view(text, static_cast<std::size_t>(size)));
    Py_RETURN_NONE;
}

PyObject* flush_streams(PyObject*, PyObject*)
{
    if (!require_kernel())
        return nullptr;
    services.streams->flush();
    Py_RETURN_NONE;
}

PyObject* display_data(PyObject*, PyObject* args)
{
    const char *data, *metadata, *transient;
    int update = 0;
    if (!PyArg_ParseTuple(args, "sss|p", &data, &metadata, &transient, &update) || !require_kernel())
        return nullptr;
    return guarded([&] {
        services.streams->flush(); // output printed before display() must appear before it
        if (update)
            services.interpreter->update_display_data(parse_json(data), parse_json(metadata), parse_json(transient));
        else
            services.interpreter->display_data(parse_json(data), parse_json(metadata), parse_json(transient));
        Py_RETURN_NONE;
    });
}

PyObject* clear_output(PyObject*, PyObject* args)
{
    int wait = 0;
    if (!PyArg_ParseTuple(args, "|p", &wait) || !require_kernel())
        return nullptr;
    services.streams->flush();
    services.interpreter->clear_output(wait != 0);
    Py_RETURN_NONE;
}

PyObject* execute_result(PyObject*, PyObject* args)
{
    int count;
    const char *data, *metadata;
    if (!PyArg_ParseTuple(args, "iss", &count, &data, &metadata) || !require_kernel())
        return nullptr;
    return guarded([&] {
        services.streams->flush();
        services.interpreter->publish_execution_result(count, parse_json(data), parse_json(metadata));
        Py_RETURN_NONE;
    });
}

PyObject* execution_error(PyObject*, PyObject* args)
{
    const char *ename, *evalue;
    PyObject* traceback;
    if (!PyArg_ParseTuple(args, "ssO", &ename, &evalue, &traceback) || !require_kernel())
        return nullptr;
    std::vector<std::string> lines;
    py_ref seq = py_ref::steal(PySequence_Fast(traceback, "traceback must be a list of str"));
    if (!seq)
        return nullptr;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i)
    {
        const char* line = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq.get(), i));
        if (line == nullptr)
            return nullptr;
        lines.emplace_back(line);
    }
    services.streams->flush();
    services.interpreter->publish_execution_error(ename, evalue, lines);
    Py_RETURN_NONE;
}

// Sends input_request on the stdin channel and waits for the reply with the GIL released, waking
// every 100 ms to let Python's SIGINT handler raise KeyboardInterrupt (interrupting input()).
PyObject* input_request(PyObject*, PyObject* args)
{
    const char* prompt;
    int password = 0;
    if (!PyArg_ParseTuple(args, "s|p", &prompt, &password) || !require_kernel())
        return nullptr;
    io_server* server = io_server::instance();
    if (server == nullptr)
    {
        PyErr_SetString(PyExc_RuntimeError, "no kernel server");
        return nullptr;
    }
    services.streams->flush();
    server->discard_stdin_replies();
    services.interpreter->input_request(prompt, password != 0);
    for (;;)
    {
        std::optional<xeus::xmessage> reply;
        {
            gil_release nogil;
            reply = server->wait_stdin_reply(std::chrono::milliseconds(100));
        }
        if (reply)
        {
            std::string value = reply->content().value("value", "");
            return PyUnicode_FromStringAndSize(value.data(), static_cast<Py_ssize_t>(value.size()));
        }
        if (PyErr_CheckSignals() < 0)
            return nullptr;
    }
}

PyObject* comm_register_target(PyObject*, PyObject* args)
{
    const char* target;
    if (!PyArg_ParseTuple(args, "s", &target) || !require_kernel())
        return nullptr;
    services.comms->register_target(target);
    Py_RETURN_NONE;
}

PyObject* comm_unregister_target(PyObject*, PyObject* args)
{
    const char* target;
    if (!PyArg_ParseTuple(args, "s", &target) || !require_kernel())
        return nullptr;
    services.comms->unregister_target(target);
    Py_RETURN_NONE;
}

// comm_open(target, comm_id, data_json, metadata_json, buffers)
PyObject* comm_open(PyObject*, PyObject* args)
{
    const char *target, *id, *data, *metadata;
    PyObject* buffers = nullptr;
    if (!PyArg_ParseTuple(args, "ssss|O", &target, &id, &data, &metadata, &buffers) || !require_kernel())
        return nullptr;
    return guarded([&]() -> PyObject* {
        xeus::buffer_sequence bufs;
        if (!to_buffers(buffers, bufs))
            return nullptr;
        services.comms->open(target, id, parse_json(data), parse_json(metadata), std::move(bufs));
        Py_RETURN_NONE;
    });
}

// comm_send(comm_id, data_json, metadata_json, buffers) and comm_close(...)
template <bool close>
PyObject* comm_message(PyObject*, PyObject* args)
{
    const char *id, *data, *metadata;
    PyObject* buffers = nullptr;
    if (!PyArg_ParseTuple(args, "sss|O", &id, &data, &metadata, &buffers) || !require_kernel())
        return nullptr;
    return guarded([&]() -> PyObject* {
        xeus::buffer_sequence bufs;
        if (!to_buffers(buffers, bufs))
            return nullptr;
        if (close)
            services.comms->close(id, parse_json(data), parse_json(metadata), std::move(bufs));
        else
            services.comms->send(id, parse_json(data), parse_json(metadata), std::move(bufs));
        Py_RETURN_NONE;
    });
}

PyObject* set_comm_dispatcher(PyObject*, PyObject* callable)
{
    if (!require_kernel())
        return nullptr;
    services.comms->set_dispatcher(callable == Py_None ? nullptr : callable);
    Py_RETURN_NONE;
}

PyObject* parent_header(PyObject*, PyObject*)
{
    if (!require_kernel())
        return nullptr;
    std::string text = services.interpreter->parent_header().dump();
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* take_suspend_request(PyObject*, PyObject* args)
{
    int peek = 0;
    if (!PyArg_ParseTuple(args, "|p", &peek))
        return nullptr;
    std::optional<nl::json> request = suspend_trigger::instance().take(peek != 0);
    if (!request)
        Py_RETURN_NONE;
    std::string text = request->dump();
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* restore_suspend_request(PyObject*, PyObject* args)
{
    const char* text;
    if (!PyArg_ParseTuple(args, "s", &text))
        return nullptr;
    return guarded([&]() -> PyObject* {
        suspend_trigger::instance().keep(nl::json::parse(text));
        Py_RETURN_NONE;
    });
}

// suspend_done(request_json, result_json): a control-channel suspend_request gets its suspend_reply.
PyObject* suspend_done(PyObject*, PyObject* args)
{
    const char *request_text, *result_text;
    if (!PyArg_ParseTuple(args, "ss", &request_text, &result_text))
        return nullptr;
    return guarded([&]() -> PyObject* {
        nl::json request = nl::json::parse(request_text);
        io_server* server = io_server::instance();
        if (server != nullptr && request.contains("reply"))
        {
            const nl::json& routing = request["reply"];
            server->reply_control(routing["identities"].get<std::vector<std::string>>(), routing["header"],
                                  "suspend_reply", nl::json::parse(result_text));
        }
        Py_RETURN_NONE;
    });
}

// After a cell was suspended: cells queued behind it are aborted, the suspension magics still run.
PyObject* abort_queued_cells(PyObject*, PyObject*)
{
    if (io_server* server = io_server::instance())
    {
        server->abort_queued_after_current([](const xeus::xmessage& m) {
            std::string code = m.content().value("code", "");
            std::size_t start = code.find_first_not_of(" \t\r\n");
            if (start == std::string::npos)
                return false;
            for (const char* magic : {"%suspend", "%resume", "%sessions"})
            {
                if (code.compare(start, std::strlen(magic), magic) == 0)
                    return true;
            }
            return false;
        });
    }
    Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"take_suspend_request", take_suspend_request, METH_VARARGS,
     "take_suspend_request(peek=False): the pending suspend request (JSON) or None"},
    {"restore_suspend_request", restore_suspend_request, METH_VARARGS,
     "restore_suspend_request(json): keep a taken request pending (no new pending call)"},
    {"suspend_done", suspend_done, METH_VARARGS, "suspend_done(request_json, result_json): answer a control request"},
    {"abort_queued_cells", abort_queued_cells, METH_NOARGS, "abort queued cells after this one (not magics)"},
    {"stream_write", stream_write, METH_VARARGS, "stream_write(name, text): buffered stdout/stderr"},
    {"flush_streams", flush_streams, METH_NOARGS, "publish buffered stream output now"},
    {"display_data", display_data, METH_VARARGS, "display_data(data_json, metadata_json, transient_json, update)"},
    {"clear_output", clear_output, METH_VARARGS, "clear_output(wait)"},
    {"execute_result", execute_result, METH_VARARGS, "execute_result(count, data_json, metadata_json)"},
    {"execution_error", execution_error, METH_VARARGS, "execution_error(ename, evalue, traceback_lines)"},
    {"input_request", input_request, METH_VARARGS, "input_request(prompt, password) -> str"},
    {"comm_register_target", comm_register_target, METH_VARARGS, "comm_register_target(name)"},
    {"comm_unregister_target", comm_unregister_target, METH_VARARGS, "comm_unregister_target(name)"},
    {"comm_open", comm_open, METH_VARARGS, "comm_open(target, id, data_json, metadata_json, buffers)"},
    {"comm_send", comm_message<false>, METH_VARARGS, "comm_send(id, data_json, metadata_json, buffers)"},
    {"comm_close", comm_message<true>, METH_VARARGS, "comm_close(id, data_json, metadata_json, buffers)"},
    {"set_comm_dispatcher", set_comm_dispatcher, METH_O, "set_comm_dispatcher(callable)"},
    {"parent_header", parent_header, METH_NOARGS, "JSON of the shell request being executed"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_suspendable_kernel", "bridge to the suspendable kernel", -1,
                          methods};

} // namespace

void bind_kernel_services(const kernel_services& s)
{
    services = s;
}

PyObject* init_kernel_module()
{
    py_ref module = py_ref::steal(PyModule_Create(&module_def));
    // Running, resuming and unwinding cells live in _suspendable_cells (the console REPL uses them too);
    // the kernel's Python side still finds them here.
    py_ref cells = py_ref::steal(PyImport_ImportModule("_suspendable_cells"));
    if (!module || !cells)
        return nullptr;
    for (const char* name : {"SUSPENDED", "run_cell", "resume_cell", "unwind"})
    {
        py_ref item = py_ref::steal(PyObject_GetAttrString(cells.get(), name));
        if (!item || PyModule_AddObjectRef(module.get(), name, item.get()) < 0)
            return nullptr;
    }
    return module.release();
}

} // namespace suspendable
