// `_suspendable_kernel`: the builtin module through which the kernel's Python side talks to the
// front end (streams, display, execute results, errors, stdin, comms). Registered before
// Py_Initialize; bound to the running kernel's services by bind_kernel_services().
#pragma once

#include <xeus/xinterpreter.hpp>

struct _object;

namespace suspendable
{

class stream_buffer;
class comm_bridge;
class fd_capture;

struct kernel_services
{
    xeus::xinterpreter* interpreter = nullptr;
    stream_buffer* streams = nullptr;
    comm_bridge* comms = nullptr;
    fd_capture* capture = nullptr; // null until the first cell, or when fd capture is off
};

void bind_kernel_services(const kernel_services& services);

_object* init_kernel_module();

} // namespace suspendable
