#include "comm_bridge.hpp"

#include "py_ref.hpp"

namespace suspendable
{

void comm_bridge::set_dispatcher(PyObject* dispatcher)
{
    Py_XINCREF(dispatcher);
    Py_XSETREF(m_dispatcher, dispatcher);
}

void comm_bridge::register_target(const std::string& target)
{
    collect_closed();
    m_manager.register_comm_target(target, [this, target](xeus::xcomm&& comm, xeus::xmessage request) {
        auto owned = std::make_unique<xeus::xcomm>(std::move(comm));
        std::string id(owned->id().c_str());
        adopt(std::move(owned));
        dispatch("open", id, target, request);
    });
}

void comm_bridge::unregister_target(const std::string& target)
{
    m_manager.unregister_comm_target(target);
}

xeus::xtarget* comm_bridge::ensure_target(const std::string& target)
{
    if (xeus::xtarget* existing = m_manager.target(target))
        return existing;
    register_target(target);
    return m_manager.target(target);
}

void comm_bridge::adopt(std::unique_ptr<xeus::xcomm> comm)
{
    std::string id(comm->id().c_str());
    std::string target = comm->target().name();
    comm->on_message([this, id, target](xeus::xmessage message) { dispatch("msg", id, target, message); });
    comm->on_close([this, id, target](xeus::xmessage message) {
        dispatch("close", id, target, message);
        auto it = m_comms.find(id);
        if (it != m_comms.end())
        {
            m_closed.push_back(std::move(it->second));
            m_comms.erase(it);
        }
    });
    m_comms[id] = std::move(comm);
}

void comm_bridge::open(const std::string& target, const std::string& id, nl::json data, nl::json metadata,
                       xeus::buffer_sequence buffers)
{
    collect_closed();
    xeus::xtarget* t = ensure_target(target);
    auto comm = std::make_unique<xeus::xcomm>(t, xeus::xguid(id.c_str()));
    comm->open(std::move(metadata), std::move(data), std::move(buffers));
    adopt(std::move(comm));
}

void comm_bridge::send(const std::string& id, nl::json data, nl::json metadata, xeus::buffer_sequence buffers)
{
    auto it = m_comms.find(id);
    if (it == m_comms.end())
        throw std::runtime_error("comm " + id + " is not open");
    it->second->send(std::move(metadata), std::move(data), std::move(buffers));
}

void comm_bridge::close(const std::string& id, nl::json data, nl::json metadata, xeus::buffer_sequence buffers)
{
    auto it = m_comms.find(id);
    if (it == m_comms.end())
        return; // already closed by the front end
    it->second->close(std::move(metadata), std::move(data), std::move(buffers));
    // Gone from comm_info at once; the object itself may be running its own message handler (a comm
    // closed in response to a message), so it is destroyed later.
    it->second->target().unregister_comm(it->second->id());
    m_closed.push_back(std::move(it->second));
    m_comms.erase(it);
}

void comm_bridge::collect_closed()
{
    m_closed.clear();
}

// Runs on whichever thread the kernel core dispatched the comm message on; takes the GIL.
void comm_bridge::dispatch(const char* event, const std::string& id, const std::string& target,
                           const xeus::xmessage& message)
{
    gil_guard gil;
    if (m_dispatcher == nullptr)
        return;
    nl::json whole = {{"header", message.header()},
                      {"parent_header", message.parent_header()},
                      {"metadata", message.metadata()},
                      {"content", message.content()}};
    std::string text = whole.dump();
    py_ref buffers = py_ref::steal(PyList_New(0));
    for (const xeus::binary_buffer& b : message.buffers())
    {
        py_ref bytes = py_ref::steal(PyBytes_FromStringAndSize(b.data(), static_cast<Py_ssize_t>(b.size())));
        if (!bytes || PyList_Append(buffers.get(), bytes.get()) < 0)
        {
            PyErr_Print();
            return;
        }
    }
    m_streams.begin_request();
    py_ref result = py_ref::steal(PyObject_CallFunction(m_dispatcher, "sssy#O", event, id.c_str(), target.c_str(),
                                                        text.c_str(), static_cast<Py_ssize_t>(text.size()),
                                                        buffers.get()));
    if (!result)
        PyErr_Print(); // to sys.stderr: the front end sees the handler's traceback
    m_streams.end_request();
}

} // namespace suspendable
