#include "protocol_fixes.hpp"

namespace suspendable
{

namespace
{

xeus::xmessage with_content(const xeus::xmessage& m, nl::json content)
{
    return xeus::xmessage(m.identities(), m.header(), m.parent_header(), m.metadata(), std::move(content),
                          m.buffers());
}

} // namespace

xeus::xmessage fix_outgoing(xeus::xmessage message)
{
    const std::string type = message.header().value("msg_type", "");
    if (type == "input_request" && !message.content().contains("password"))
    {
        nl::json content = message.content();
        content["password"] = content.value("pwd", false);
        content.erase("pwd");
        return with_content(message, std::move(content));
    }
    if (type == "shutdown_reply" && !message.content().contains("status"))
    {
        nl::json content = message.content();
        content["status"] = "ok";
        return with_content(message, std::move(content));
    }
    return message;
}

xeus::xmessage make_aborted_reply(const xeus::xmessage& request, const nl::json& sender_header)
{
    std::string type = request.header().value("msg_type", "execute_request");
    type = type.substr(0, type.rfind('_')) + "_reply";
    nl::json header = xeus::make_header(type, sender_header.value("username", "kernel"),
                                        sender_header.value("session", ""));
    return xeus::xmessage(request.identities(), std::move(header), request.header(), nl::json::object(),
                          nl::json{{"status", "aborted"}}, xeus::buffer_sequence());
}

} // namespace suspendable
