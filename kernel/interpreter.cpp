#include "interpreter.hpp"

#include "fd_capture.hpp"
#include "io_server.hpp"
#include "kernel_module.hpp"
#include "py_ref.hpp"
#include "python_call.hpp"
#include "sigint_policy.hpp"
#include "suspend_trigger.hpp"

#include <chrono>
#include <csignal>
#include <pthread.h>
#include <thread>
#include <cstdio>
#include <cstdlib>

namespace suspendable
{

interpreter::interpreter()
    : m_streams(std::make_unique<stream_buffer>(
          [this](const std::string& name, const std::string& text) { publish_stream(name, text); }))
{
}

interpreter::~interpreter()
{
    bind_kernel_services({});
}

// Runs on the main thread from xkernel's constructor, with the GIL held since Py_Initialize.
void interpreter::configure_impl()
{
    m_comms = std::make_unique<comm_bridge>(comm_manager(), *m_streams);
    bind_kernel_services({this, m_streams.get(), m_comms.get()});
    nl::json started = call_kernel_json("start", nl::json::array());
    if (started.value("status", "ok") != "ok")
        kernel_log("Python side failed to start: " + started.dump());
    m_kernel_info = call_kernel_json("kernel_info", nl::json::array());
    if (io_server* server = io_server::instance())
    {
        server->set_tick([this, server] {
            m_streams->tick();
            // Left pending by a cell blocked in native code: answered here, the cell keeps running (a
            // later safe point finds no request; suspension.py's _on_safe_point then does nothing).
            if (std::optional<nl::json> expired = suspend_trigger::instance().take_expired())
            {
                std::string why = "no safe point within the timeout: the cell is inside a native call that "
                                  "has not returned (time.sleep, I/O, input()...); it keeps running";
                const nl::json& routing = (*expired)["reply"];
                server->reply_control(routing["identities"].get<std::vector<std::string>>(), routing["header"],
                                      "suspend_reply",
                                      {{"status", "error"}, {"ename", "SuspendError"}, {"evalue", why},
                                       {"traceback", nl::json::array({why})}});
            }
        });
        // A %suspend queued while a cell runs is acted on as it arrives, not after the cell.
        server->set_shell_peek([this](const xeus::xmessage& m, bool next) {
            if (!next || !m_cell_running || m.header().value("msg_type", "") != "execute_request")
                return;
            std::string code = m.content().value("code", "");
            if (is_suspend_magic(code))
                suspend_trigger::instance().request({{"origin", "magic"}, {"code", code}});
        });
        server->set_control_filter([this, server](xeus::xmessage& m) {
            if (m.header().value("msg_type", "") != "suspend_request")
                return false;
            nl::json request = {{"origin", "control"},
                                {"name", m.content().value("name", "")},
                                {"timeout", m.content().value("timeout", 10.0)},
                                {"reply", {{"identities", m.identities()}, {"header", m.header()}}}};
            request_suspend(*server, std::move(request));
            return true;
        });
        server->set_signal_hook([this, server] { request_suspend(*server, {{"origin", "signal"}}); });
        server->set_interrupt_hook([] { deliver_interrupt(); }, [] { drop_interrupt(); });
        server->set_busy_stop_hook([this] {
            if (m_cell_running)
                suspend_trigger::instance().request({{"origin", "shutdown"}, {"timeout", 2.5}});
        });
    }
    install_signal_handlers();
    // From here on every entry point takes the GIL itself (requests come from two threads).
    PyEval_SaveThread(); // the main thread's state stays registered: PyGILState_Ensure finds it
}

// I/O thread. A running cell is suspended at its next safe point; an idle kernel saves its namespace on
// the main thread (the I/O thread never runs Python).
void interpreter::request_suspend(io_server& server, nl::json request)
{
    if (m_cell_running)
    {
        suspend_trigger::instance().request(std::move(request));
        return;
    }
    server.post_to_main([request] { call_kernel_json("suspend_idle", {request.dump()}); });
}

namespace
{

void on_suspend_signal(int)
{
    io_server::signal_from_handler();
}

void on_terminate_signal(int)
{
    io_server::terminate_from_handler();
}

void install(int signal, void (*handler)(int))
{
    struct sigaction action = {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(signal, &action, nullptr);
}

} // namespace

// SIGUSR1 does what %suspend does; SIGTERM and SIGHUP (a closed terminal, a batch system's preemption)
// stop the kernel as shutdown_request does, saving the session. The handlers only wake the I/O thread.
void interpreter::install_signal_handlers()
{
    install(SIGUSR1, on_suspend_signal);
    install(SIGTERM, on_terminate_signal);
    install(SIGHUP, on_terminate_signal);
    // A process forked by a cell (multiprocessing's fork start method, os.fork) is not the kernel: it
    // has no I/O thread to wake, so with these handlers it would ignore SIGTERM and Pool.terminate()
    // would wait for it forever.
    pthread_atfork(nullptr, nullptr, [] {
        for (int s : {SIGUSR1, SIGTERM, SIGHUP})
            std::signal(s, SIG_DFL);
    });
}

nl::json interpreter::execute_request_impl(int execution_counter, const std::string& code, bool silent,
                                           bool store_history, nl::json user_expressions, bool allow_stdin)
{
    // Started with the first cell, not at start-up: xeus prints a banner on stderr when the kernel
    // starts, which belongs in the Jupyter server's log rather than in the first cell.
    if (!m_capture && std::getenv("SUSPENDABLE_NO_FD_CAPTURE") == nullptr)
    {
        m_capture = std::make_unique<fd_capture>(*m_streams);
        bind_kernel_services({this, m_streams.get(), m_comms.get(), m_capture.get()});
    }
    gil_guard gil;
    m_streams->begin_request();
    nl::json reply;
    {
        sigint_window interruptible;
        m_cell_running = true;
        reply = call_kernel_json("execute", {code, execution_counter, silent, store_history, user_expressions,
                                             allow_stdin});
        m_cell_running = false;
        finish_held_interrupt(reply);
    }
    // C stdio buffers, then whatever a child process or extension wrote, belong to this cell.
    std::fflush(stdout);
    std::fflush(stderr);
    if (m_capture)
        m_capture->drain();
    m_streams->end_request();
    return reply;
}

// An interrupt that arrived while the cell ran but was still held back when it ended (a child process in
// the kernel's process group dies of the same SIGINT at once, so the cell can end within the hold-back
// period): once it is delivered, the cell is reported as interrupted, as in ipykernel.
void interpreter::finish_held_interrupt(nl::json& reply)
{
    if (interrupt_held())
    {
        gil_release nogil;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (interrupt_held() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (PyErr_CheckSignals() == 0)
        return;
    PyErr_Clear();
    if (reply.value("status", "") != "ok")
        return;
    std::vector<std::string> traceback = {"KeyboardInterrupt: the cell was interrupted as it ended"};
    publish_execution_error("KeyboardInterrupt", "", traceback);
    reply = {{"status", "error"}, {"ename", "KeyboardInterrupt"}, {"evalue", ""}, {"traceback", traceback},
             {"payload", nl::json::array()}, {"user_expressions", nl::json::object()}};
}

nl::json interpreter::complete_request_impl(const std::string& code, int cursor_pos)
{
    return call_kernel_json("complete", {code, cursor_pos});
}

nl::json interpreter::inspect_request_impl(const std::string& code, int cursor_pos, int detail_level)
{
    return call_kernel_json("inspect", {code, cursor_pos, detail_level});
}

nl::json interpreter::is_complete_request_impl(const std::string& code)
{
    return call_kernel_json("is_complete", {code});
}

nl::json interpreter::kernel_info_request_impl()
{
    return m_kernel_info;
}

// Runs on the I/O thread (control channel), maybe while a cell holds the GIL: nothing Python here. The
// main thread saves history when the server loop returns.
void interpreter::shutdown_request_impl() {}

} // namespace suspendable
