// Comms (ipywidgets and friends) between Python and xeus' comm manager. Python owns the comm objects
// (suspendable_kernel.comms, an ipykernel.comm-compatible API); each one is backed here by an xeus::xcomm
// so that xeus routes the front end's comm_msg/comm_close to it and publishes what Python sends.
#pragma once

#include "stream_buffer.hpp"

#include <xeus/xcomm.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

struct _object;

namespace suspendable
{

class comm_bridge
{
public:
    comm_bridge(xeus::xcomm_manager& manager, stream_buffer& streams) : m_manager(manager), m_streams(streams) {}

    // Front-end comm_open requests for `target` are handed to Python's dispatcher.
    void register_target(const std::string& target);
    void unregister_target(const std::string& target);
    void open(const std::string& target, const std::string& id, nl::json data, nl::json metadata,
              xeus::buffer_sequence buffers);
    void send(const std::string& id, nl::json data, nl::json metadata, xeus::buffer_sequence buffers);
    void close(const std::string& id, nl::json data, nl::json metadata, xeus::buffer_sequence buffers);

    // Python callable(event: str, comm_id: str, target: str, message_json: str, buffers: list[bytes]).
    void set_dispatcher(_object* dispatcher);

private:
    xeus::xtarget* ensure_target(const std::string& target);
    void adopt(std::unique_ptr<xeus::xcomm> comm);
    void dispatch(const char* event, const std::string& id, const std::string& target,
                  const xeus::xmessage& message);
    void collect_closed();

    xeus::xcomm_manager& m_manager;
    stream_buffer& m_streams; // what a handler prints belongs to the comm message being handled
    std::map<std::string, std::unique_ptr<xeus::xcomm>> m_comms;
    // A comm closed from its own close handler cannot be destroyed there: it is parked until the next call.
    std::vector<std::unique_ptr<xeus::xcomm>> m_closed;
    _object* m_dispatcher = nullptr;
};

} // namespace suspendable
