// Where xeus 2.4.1 departs from the Jupyter messaging spec (5.3), outgoing messages are corrected here,
// in one place, before they are signed and sent:
// - input_request carries "pwd" instead of "password";
// - shutdown_reply has no "status".
#pragma once

#include <xeus/xmessage.hpp>

namespace suspendable
{

xeus::xmessage fix_outgoing(xeus::xmessage message);

// The reply a kernel sends, without running it, for a request queued behind a failed cell
// (stop_on_error): status "aborted", parent = the request.
xeus::xmessage make_aborted_reply(const xeus::xmessage& request, const nl::json& sender_header);

} // namespace suspendable
