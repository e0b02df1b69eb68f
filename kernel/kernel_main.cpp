// `suspendable kernel -f CONNECTION_FILE`: what kernel.json starts.
#include "cli.hpp"
#include "fd_capture.hpp"
#include "history.hpp"
#include "interpreter.hpp"
#include "io_server.hpp"
#include "kernel_module.hpp"
#include "py_ref.hpp"
#include "python_call.hpp"
#include "python_runtime.hpp"
#include "sigint_policy.hpp"

#include <xeus/xkernel.hpp>
#include <xeus/xkernel_configuration.hpp>

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>
#include <unistd.h>

namespace suspendable::cli
{

namespace
{

std::string connection_file(const args& a)
{
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        if ((a[i] == "-f" || a[i] == "--connection-file") && i + 1 < a.size())
            return a[i + 1];
        if (a[i].rfind("--connection-file=", 0) == 0)
            return a[i].substr(18);
    }
    return {};
}

// Shutdown while the running cell never reached a safe point: the namespace as it is now is saved, marked
// as interrupted, from a thread of its own. That needs the GIL, which a cell running Python code hands
// over every switch interval and a blocked one releases; a cell stuck in C code that holds it leaves only
// the last checkpoint. Bounded by `budget` whatever happens: Jupyter kills a kernel that exits late.
void save_interrupted_session(std::chrono::milliseconds budget)
{
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread([done] {
        gil_guard gil;
        try
        {
            call_kernel_json("autosave_interrupted", nl::json::array());
        }
        catch (const std::exception& e)
        {
            kernel_log(std::string("the interrupted session was not saved: ") + e.what());
        }
        *done = true;
    }).detach();
    auto deadline = std::chrono::steady_clock::now() + budget;
    while (!*done && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!*done)
        kernel_log("the interrupted session could not be saved in time (the cell holds the GIL)");
}

} // namespace

int kernel(const args& a)
{
    std::string file = connection_file(a);
    if (file.empty())
    {
        std::cerr << "usage: suspendable kernel -f CONNECTION_FILE\n";
        return usage_error;
    }
    xeus::xconfiguration config;
    try
    {
        config = xeus::load_configuration(file);
    }
    catch (const std::exception& e)
    {
        std::cerr << "suspendable kernel: cannot read connection file " << file << ": " << e.what() << "\n";
        return usage_error;
    }

    runtime_options options;
    options.argv = {command_path(), "kernel", "-f", file};
    options.builtins = {{"_suspendable_kernel", init_kernel_module}};
    python_runtime runtime(options);
    // Before xeus or our I/O thread exist: every thread created later inherits SIGINT blocked.
    prepare_sigint_policy();
    {
        // Output from C code may not be UTF-8: such bytes are replaced, never a reason to drop a message.
        xeus::xkernel kernel(config, xeus::get_user_name(), xeus::make_context<zmq::context_t>(),
                             std::make_unique<interpreter>(), make_io_server, make_history_manager(), nullptr,
                             xeus::make_null_debugger, nl::json::object(), nl::json::error_handler_t::replace);
        if (io_server* server = io_server::instance())
            server->set_exit_hook([] {
                kernel_log("shut down while a cell was running");
                save_interrupted_session(std::chrono::milliseconds(1500));
            });
        kernel.start();
        // Returns after shutdown_request once the main thread is idle. Leaving this scope closes the
        // sockets; ZeroMQ's linger delivers the shutdown reply before the context terminates.
        call_kernel_json("shutdown", nl::json::array());
    }
    // No Py_Finalize: a user's non-daemon thread must not keep a shut-down kernel alive.
    std::cout.flush();
    std::cerr.flush();
    _exit(0);
}

} // namespace suspendable::cli
